/**
 * The frame of the example's own commands (reconcile, validateTemplates): one JSON document on
 * stdout, log lines on stderr, exit 0 or 1, never a throw.
 */
import { isKernelError } from 'hostfactory-kernel';
import { formatErrorOutput, HOSTFACTORY_EXIT_CODES, jsonLinesLogger, type TextSink } from 'hostfactory-kernel/hostfactory';
import type { Logger } from 'hostfactory-kernel';

/** What a command answers: its document, and whether it counts as a failure (exit 1). */
export interface CommandAnswer {
  readonly document: unknown;
  readonly failed?: boolean;
}

/**
 * Runs `work` with a logger on stderr; prints its document, or `{ "message" }` for an error (an
 * unexpected one logged first). `cleanup` runs whatever happened. Resolves the exit code.
 */
export async function runScriptCommand(name: string, stdout: TextSink, stderr: TextSink, work: (logger: Logger) => Promise<CommandAnswer>, cleanup: () => void = () => undefined): Promise<number> {
  const logger = jsonLinesLogger((line) => void stderr.write(line));
  let answer: CommandAnswer;
  try {
    answer = await work(logger);
  } catch (error) {
    if (!isKernelError(error)) logger.error(`${name} failed unexpectedly`, { error: error instanceof Error ? error.message : String(error) });
    answer = { document: formatErrorOutput(error), failed: true };
  } finally {
    cleanup();
  }
  stdout.write(`${JSON.stringify(answer.document, null, 2)}\n`);
  return answer.failed === true ? HOSTFACTORY_EXIT_CODES.failed : HOSTFACTORY_EXIT_CODES.ok;
}
