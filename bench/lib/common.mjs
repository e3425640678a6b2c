// Helpers shared by the bench suites.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';

export const QUICK = process.env.BENCH_QUICK === '1';
export const RESULTS_DIR = fileURLToPath(new URL('../.build/results/', import.meta.url));

export function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function machine() {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const [l1, l5, l15] = loadavg().map((l) => l.toFixed(2));
  return `${cpu}, nproc ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}, load average ${l1} ${l5} ${l15}`;
}

export const verdict = (ok) => (ok ? 'PASS' : 'FAIL');

/** Prints a target line and records it for the summary of bench/run.mjs. */
export function target(suite, text, ok, extra = {}) {
  console.log(`  ${verdict(ok)}  ${text}`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = `${RESULTS_DIR}targets.jsonl`;
  writeFileSync(file, `${JSON.stringify({ suite, text, ok, ...extra })}\n`, { flag: 'a' });
}

/** Saves a suite's figures (read by bench/chart.mjs and docs). */
export function saveResult(name, data) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(`${RESULTS_DIR}${name}.json`, JSON.stringify(data, null, 2));
}

export function loadResult(name) {
  return JSON.parse(readFileSync(`${RESULTS_DIR}${name}.json`, 'utf8'));
}

/** Wall time (ms) of a fresh process; throws with its stderr when it fails. */
export function wallMs(command, args, options = {}) {
  const start = process.hrtime.bigint();
  const child = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${child.status}): ${child.stderr}\n${child.stdout}`);
  return elapsed;
}

/** Runs `node [flags] script ...args` and returns the JSON its last stdout line holds; its other lines are echoed. */
export function runChild(script, args = [], flags = []) {
  const child = spawnSync(process.execPath, [...flags, script, ...args], { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 2 ** 20 });
  const lines = String(child.stdout).trimEnd().split('\n');
  if (child.status !== 0) throw new Error(`${script} ${args.join(' ')} exited ${child.status}:\n${lines.join('\n')}`);
  const last = lines.pop();
  for (const line of lines) console.log(line);
  return JSON.parse(last);
}

/**
 * Per-operation latency of `op` (async): `batches` batches of `size` calls after a warm-up;
 * returns { median, p95, min } in µs per operation, over the batches.
 */
export async function latency(op, { batches = 15, size = 100, warmup = 200 } = {}) {
  for (let i = 0; i < warmup; i++) await op(i);
  const per = [];
  let n = 0;
  for (let b = 0; b < batches; b++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < size; i++) await op(n++);
    per.push(Number(process.hrtime.bigint() - t) / 1e3 / size);
  }
  per.sort((a, b) => a - b);
  return { median: median(per), p95: per[Math.min(per.length - 1, Math.ceil(per.length * 0.95) - 1)], min: per[0] };
}

export const us = (v) => `${v < 100 ? v.toFixed(1) : v.toFixed(0)} µs`;

/**
 * Runs `tasks` (name → fn of one batch of `batch` operations) for `rounds` interleaved rounds of
 * tinybench, `timeMs` per task; returns ns per operation (the p50 batch / batch) per round for each.
 */
export async function interleavedRounds(tasks, { rounds, timeMs, batch }) {
  const perRound = Object.fromEntries(Object.keys(tasks).map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({ time: timeMs, warmup: true, warmupTime: 100 });
    for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
    await bench.run();
    for (const name of Object.keys(tasks)) {
      const result = bench.getTask(name)?.result;
      if (!result || !('latency' in result)) throw new Error(`${name} did not complete: ${result?.state} ${result?.error ?? ''}`);
      perRound[name].push((result.latency.p50 * 1e6) / batch);
    }
  }
  return perRound;
}
