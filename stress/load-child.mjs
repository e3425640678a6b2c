// Runs in its own `node --expose-gc` process (see test/reliability/load.test.ts and stress/run.mjs):
// pushes rounds of concurrent commands through one kernel built from dist, then prints one JSON line
// with heap and handle figures. It must exit on its own: nothing may keep the event loop alive.
import 'reflect-metadata';
import { Command, createKernel, logging, timeout } from '../dist/kernel/index.js';

const count = Number(process.env.LOAD_COUNT ?? 10_000);
const rounds = Number(process.env.LOAD_ROUNDS ?? 5);
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');

class Ping extends Command {}
let unhandled = 0;
process.on('unhandledRejection', () => (unhandled += 1));

const heap = () => {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};
const resources = () => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap').sort();

const kernel = createKernel({ handlers: [], middleware: [logging({ debug() {}, info() {}, warn() {}, error() {} }), timeout(5_000)] });
kernel.commands.register(Ping, { handle: async () => 1 });
// Warm up the pipeline, then measure from a settled baseline.
await Promise.all(Array.from({ length: 1_000 }, () => kernel.commands.execute(new Ping())));
const baselineHeap = heap();
const baselineResources = resources();
const started = performance.now();
let done = 0;
for (let round = 0; round < rounds; round++) {
  const results = await Promise.all(Array.from({ length: count }, () => kernel.commands.execute(new Ping())));
  done += results.length;
}
const durationMs = Math.round(performance.now() - started);
await new Promise((resolve) => setImmediate(resolve));
const afterHeap = heap();
const afterResources = resources();
kernel.dispose();
process.stdout.write(
  `${JSON.stringify({ count, rounds, done, durationMs, unhandled, baselineHeap, afterHeap, heapGrowth: afterHeap - baselineHeap, baselineResources, afterResources })}\n`,
);
