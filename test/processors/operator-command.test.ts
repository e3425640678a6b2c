import { describe, expect, it } from 'vitest';
import { type EventProcessor, runProcessorCommand } from '../../src/application/processors/index';
import { createInMemoryStorage } from '../../src/testing';
import { appendEvents, caughtUp, decliningProcessor, stopWithin } from './support';

async function withLetter(): Promise<{ processor: EventProcessor; fixed: () => void }> {
  const storage = createInMemoryStorage();
  await appendEvents(storage, 3, 3);
  let broken = true;
  const processor = decliningProcessor(storage, () => (broken ? [2] : []));
  processor.start();
  await caughtUp(processor);
  await stopWithin(processor);
  return { processor, fixed: () => (broken = false) };
}

describe('runProcessorCommand (the operator command)', () => {
  it('lists status and dead letters as JSON lines, and replays them', async () => {
    const { processor, fixed } = await withLetter();
    const status = await runProcessorCommand(processor, ['status']);
    expect(status.exitCode).toBe(0);
    expect(status.lines.map((line) => JSON.parse(line))).toEqual([{ processor: 'billing', position: 3, epoch: 1, leaseRemainingMs: 0 }]);

    const letters = await runProcessorCommand(processor, ['dead-letters']);
    expect(letters.lines.map((line) => JSON.parse(line))).toEqual([
      { processor: 'billing', position: 2, stream: 'request:r-2', type: 'RequestCreated', attempts: 1, error: 'Error: card declined', failedAt: expect.any(String) },
    ]);

    const failing = await runProcessorCommand(processor, ['replay', '2']);
    expect(failing.exitCode).toBe(1);
    expect(JSON.parse(failing.lines[0]!)).toEqual({ replayed: 0, failed: [{ position: 2, stream: 'request:r-2', error: 'Error: card declined' }] });
    fixed();
    expect(await runProcessorCommand(processor, ['replay'])).toEqual({ exitCode: 0, lines: [JSON.stringify({ replayed: 1, failed: [] })] });
    expect((await runProcessorCommand(processor, ['dead-letters'])).lines).toEqual([]);
  });

  it('rebuilds from a position', async () => {
    const { processor } = await withLetter();
    expect(await runProcessorCommand(processor, ['rebuild', '1'])).toEqual({ exitCode: 0, lines: ['processor billing rebuilds from position 1'] });
    expect((await processor.status())[0]).toMatchObject({ position: 1, epoch: 2, owner: undefined });
  });

  it('answers bad arguments with exit code 2 and the usage, changing nothing', async () => {
    const { processor } = await withLetter();
    for (const args of [[], ['purge'], ['rebuild'], ['rebuild', '1', '2'], ['replay', 'x'], ['rebuild', '-1']]) {
      const result = await runProcessorCommand(processor, args);
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.lines.at(-1)).toMatch(/^usage: /);
    }
    expect((await processor.status())[0]!.position).toBe(3);
    expect(await processor.deadLetters()).toHaveLength(1);
  });
});
