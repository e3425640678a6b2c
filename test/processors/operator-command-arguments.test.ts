import { describe, expect, it } from 'vitest';
import { runProcessorCommand } from '../../src/application/processors/index';
import { ValidationError } from '../../src/kernel';
import { createInMemoryStorage } from '../../src/testing';
import { appendEvents, caughtUp, decliningProcessor, stopWithin } from './support';

const USAGE = 'usage: <status | dead-letters | replay [position ...] | rebuild <position>>';

describe('runProcessorCommand: arguments and errors', () => {
  it('replays only the letters at the positions given', async () => {
    const storage = createInMemoryStorage();
    await appendEvents(storage, 3, 3); // positions 1, 2, 3 in three streams
    let broken = [1, 2];
    const processor = decliningProcessor(storage, () => broken);
    processor.start();
    await caughtUp(processor);
    await stopWithin(processor);
    broken = [];
    expect(await runProcessorCommand(processor, ['replay', '2'])).toEqual({ exitCode: 0, lines: [JSON.stringify({ replayed: 1, failed: [] })] });
    expect((await processor.deadLetters()).map((l) => l.position)).toEqual([1]);
  });

  it('accepts position 0 for a rebuild: the whole log again', async () => {
    const storage = createInMemoryStorage();
    const processor = decliningProcessor(storage);
    expect(await runProcessorCommand(processor, ['rebuild', '0'])).toEqual({ exitCode: 0, lines: ['processor billing rebuilds from position 0'] });
  });

  it('says which arguments are wrong, then the usage', async () => {
    const processor = decliningProcessor(createInMemoryStorage());
    expect(await runProcessorCommand(processor, ['replay', '1', 'x'])).toEqual({ exitCode: 2, lines: ['positions must be whole numbers >= 0, got 1 x', USAGE] });
    expect(await runProcessorCommand(processor, ['rebuild'])).toEqual({ exitCode: 2, lines: ['rebuild needs exactly one position (0: the whole log)', USAGE] });
    expect(await runProcessorCommand(processor, ['purge'])).toEqual({ exitCode: 2, lines: ['unknown command "purge"', USAGE] });
    expect(await runProcessorCommand(processor, [])).toEqual({ exitCode: 2, lines: ['unknown command ""', USAGE] });
  });

  it('answers a rebuild the store refuses as invalid with exit code 2 and its message, and lets any other failure through', async () => {
    const storage = createInMemoryStorage();
    const processor = decliningProcessor(storage);
    const refused = new ValidationError('processor reset', [{ path: 'position', constraint: 'max', message: 'must be at most the log head 0, got 5' }]);
    storage.processors.reset = async () => {
      throw refused;
    };
    expect(await runProcessorCommand(processor, ['rebuild', '5'])).toEqual({ exitCode: 2, lines: [refused.message] });
    storage.processors.reset = async () => {
      throw new Error('store unavailable');
    };
    await expect(runProcessorCommand(processor, ['rebuild', '5'])).rejects.toThrow('store unavailable');
  });
});
