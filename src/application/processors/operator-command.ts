import { ValidationError } from '../../kernel/errors';
import type { EventProcessor } from './event-processor';

/** What {@link runProcessorCommand} prints to and how it ends: the lines it wrote and its exit code. */
export interface ProcessorCommandResult {
  readonly exitCode: 0 | 1 | 2;
  readonly lines: readonly string[];
}

const USAGE = 'usage: <status | dead-letters | replay [position ...] | rebuild <position>>';

/**
 * The operator's commands on one processor, for a host's own CLI: `status` (checkpoint and holder
 * of each partition), `dead-letters` (one JSON line each), `replay [position …]` (all letters, or
 * those), `rebuild <position>`. Exit code 0 done, 1 a replay left letters, 2 bad arguments.
 */
export async function runProcessorCommand(processor: EventProcessor, args: readonly string[]): Promise<ProcessorCommandResult> {
  const [verb, ...rest] = args;
  const numbers = rest.map(Number);
  if (numbers.some((n) => !Number.isSafeInteger(n) || n < 0)) return { exitCode: 2, lines: [`positions must be whole numbers >= 0, got ${rest.join(' ')}`, USAGE] };
  switch (verb) {
    case 'status':
      return { exitCode: 0, lines: (await processor.status()).map((s) => JSON.stringify(s)) };
    case 'dead-letters':
      return { exitCode: 0, lines: (await processor.deadLetters()).map((l) => JSON.stringify({ processor: l.processor, position: l.position, stream: l.stream, type: l.event.type, attempts: l.attempts, error: l.error, failedAt: l.failedAt })) };
    case 'replay': {
      const report = await processor.replayDeadLetters(numbers.length === 0 ? undefined : numbers);
      return { exitCode: report.failed.length === 0 ? 0 : 1, lines: [JSON.stringify(report)] };
    }
    case 'rebuild':
      if (numbers.length !== 1) return { exitCode: 2, lines: ['rebuild needs exactly one position (0: the whole log)', USAGE] };
      try {
        await processor.rebuild(numbers[0]);
      } catch (error) {
        if (error instanceof ValidationError) return { exitCode: 2, lines: [error.message] };
        throw error;
      }
      return { exitCode: 0, lines: [`processor ${processor.name} rebuilds from position ${numbers[0]}`] };
    default:
      return { exitCode: 2, lines: [`unknown command ${JSON.stringify(verb ?? '')}`, USAGE] };
  }
}
