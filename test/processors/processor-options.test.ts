import { describe, expect, it } from 'vitest';
import { EventProcessor, type EventProcessorOptions } from '../../src/application/processors/index';
import { createInMemoryStorage } from '../../src/testing';

const storage = createInMemoryStorage();
const valid: EventProcessorOptions = { name: 'billing', handle: () => undefined, eventLog: storage.eventLog, store: storage.processors };

/** The error `new EventProcessor(options)` throws. */
function refusal(options: unknown): unknown {
  try {
    new EventProcessor(options as EventProcessorOptions);
  } catch (error) {
    return error;
  }
  throw new Error('the options were accepted');
}

describe('EventProcessor options', () => {
  it('names each bad option with its constraint, its allowed range and the value given', () => {
    const error = refusal({ ...valid, name: 'bad name', handle: 'not a function', partitions: 257, attempts: 0 });
    const issues = [
      { path: 'name', constraint: 'processorName', message: 'must be 1-100 letters, digits, ".", "_" or "-", got "bad name"' },
      { path: 'handle', constraint: 'isFunction', message: 'must be a function (stored, context) => Promise<void>' },
      { path: 'partitions', constraint: 'isInt', message: 'must be a whole number from 1 to 256, got 257' },
      { path: 'attempts', constraint: 'isInt', message: 'must be a whole number from 1 to 1000, got 0' },
    ];
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', issues, details: { subject: 'event processor options', issues } });
    expect((error as Error).message).toMatch(/^Invalid event processor options: name: must be 1-100 letters/);
  });

  it('accepts every limit at its maximum and refuses one above it', () => {
    const maxima = { partitions: 256, batchSize: 10_000, leaseMs: 3_600_000, pollMs: 60_000, attempts: 1000, backoffMs: 3_600_000, maxBackoffMs: 3_600_000 };
    expect(() => new EventProcessor({ ...valid, ...maxima })).not.toThrow();
    for (const [option, max] of Object.entries(maxima)) {
      expect(refusal({ ...valid, [option]: max + 1 }), option).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: option, constraint: 'isInt', message: `must be a whole number from ${option.endsWith('ackoffMs') ? 0 : option === 'leaseMs' ? 100 : 1} to ${max}, got ${max + 1}` }] });
    }
  });

  it('answers no options at all (a JavaScript caller) with VALIDATION_FAILED naming name and handle, not a TypeError', () => {
    for (const options of [undefined, null]) {
      expect(refusal(options)).toMatchObject({
        code: 'VALIDATION_FAILED',
        issues: [
          { path: 'name', constraint: 'processorName', message: `must be 1-100 letters, digits, ".", "_" or "-", got undefined` },
          { path: 'handle', constraint: 'isFunction' },
        ],
      });
    }
  });
});
