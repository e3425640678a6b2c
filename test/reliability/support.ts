import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isKernelError } from '../../src/kernel';

/** True under `npm run stress` (`STRESS=1`): the reliability suites then run their large counts. */
export const STRESS = process.env.STRESS === '1';

/**
 * Multiplies the suites' wall-clock bounds (a hang or a super-linear parse fails them). The mutation run
 * (`vitest.mutation.config.ts`) sets `HOSTFACTORY_TIME_BOUND_FACTOR`: Stryker's instrumented code runs
 * several times slower, and its own timeout catches a mutant that hangs.
 */
export const TIME_BOUND_FACTOR = Number(process.env.HOSTFACTORY_TIME_BOUND_FACTOR ?? '1') || 1;

/** `normal` in `npm test`, `stress` under `STRESS=1`. */
export function scale(normal: number, stress: number): number {
  return STRESS ? stress : normal;
}

/**
 * Records the figures of one suite for `docs/reliability.md`. When `RELIABILITY_REPORT_DIR` is set
 * (the stress runner sets it) they are written there as `<suite>.json`; otherwise nothing happens,
 * so `npm test` stays quiet.
 */
export function recordFigures(suite: string, figures: Record<string, unknown>): void {
  const dir = process.env.RELIABILITY_REPORT_DIR;
  if (dir === undefined || dir === '') return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${suite}.json`), `${JSON.stringify({ suite, stress: STRESS, ...figures }, null, 2)}\n`);
}

/** Adds `by` to the counter `key` of `counts`. */
export function bump(counts: Map<string, number>, key: string, by = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}

/** The own property names and symbols of the prototypes hostile input could pollute, for a before/after comparison. */
export function prototypeFingerprint(): Record<string, string[]> {
  const names = (proto: object) => [...Object.getOwnPropertyNames(proto), ...Object.getOwnPropertySymbols(proto).map(String)].sort();
  return {
    object: names(Object.prototype),
    array: names(Array.prototype),
    function: names(Function.prototype),
    string: names(String.prototype),
  };
}

/**
 * Asserts that `error` is clear: an Error with a non-empty string `code` and a non-empty message.
 * Library errors carry their stable code; an adapter's own error (a driver's `ECONNRESET`) is passed
 * through unchanged with its code. Returns the code; throws an Error describing the value otherwise.
 */
export function clearErrorCode(error: unknown): string {
  if (isKernelError(error) && error.code !== '' && error.message.trim() !== '') return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof Error && typeof code === 'string' && code !== '' && error.message.trim() !== '') return code;
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  throw new Error(`expected an error with a code and a message, got ${what}`);
}

/** Resolves after `ms` of real time (used only to let bounded hangs expire). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
