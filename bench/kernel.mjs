// Kernel dispatch (issue 2): the kernel's dispatch overhead against a direct call, @nestjs/cqrs and
// class-validator, plus the cold start of a process using the ESM build. Runs against `dist`
// (npm run bench builds first). Plain JavaScript, so decorators are applied by calling them.
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { CommandBus as NestCommandBus, CommandHandler as NestCommandHandler, CqrsModule } from '@nestjs/cqrs';
import { validateSync } from 'class-validator';
import { Bench } from 'tinybench';
import { commandHandler, createKernel, scoped } from '../dist/index.js';

// The options the library validates with (docs/kernel.md), so (e) measures the same work as (c).
const VALIDATOR_OPTIONS = Object.freeze({
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: false,
  skipMissingProperties: false,
  skipNullProperties: false,
  skipUndefinedProperties: false,
  stopAtFirstError: false,
  validationError: { target: false, value: false },
});
import { QUICK, saveResult, target as record } from './lib/common.mjs';
import { definePlaceOrder } from './lib/place-order.mjs';

/** Operations per benchmark call: batching keeps the harness's own per-call cost out of the figures. */
const BATCH = 100;
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? (QUICK ? 200 : 400));
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? (QUICK ? 9 : 15));
/** Whole bench rounds; each contender's figure is its median over rounds, so one noisy round cannot decide. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 3 : 7));

// The one command every contender dispatches: four validated fields.
const PlaceOrder = definePlaceOrder();

// The one trivial handler: `handle` for our kernel and the direct call, `execute` for Nest.
class PlaceOrderHandler {
  async handle(command) {
    return command.quantity + 1;
  }
  execute(command) {
    return this.handle(command);
  }
}
commandHandler(PlaceOrder)(PlaceOrderHandler);
NestCommandHandler(PlaceOrder)(PlaceOrderHandler);


// (f): the same handler needing one scoped service, built (with the service) for each dispatch.
const REQUEST = 'bench.request';
class ScopedPlaceOrderHandler {
  constructor(request) {
    this.request = request;
  }
  async handle(command) {
    return command.quantity + this.request.one;
  }
}
commandHandler(PlaceOrder, { inject: [REQUEST] })(ScopedPlaceOrderHandler);

class BenchModule {}
Module({ imports: [CqrsModule.forRoot()], providers: [PlaceOrderHandler] })(BenchModule);

async function contenders() {
  const handler = new PlaceOrderHandler();
  const bare = createKernel({ handlers: [PlaceOrderHandler], validation: false });
  const full = createKernel({ handlers: [PlaceOrderHandler] });

  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  await app.init();
  const nestBus = app.get(NestCommandBus);
  // Not frozen and not built by from(): the default pipeline really validates it on every dispatch.
  const command = new PlaceOrder();

  for (const [name, run] of [
    ['direct', () => handler.handle(command)],
    ['bare', () => bare.commands.execute(command)],
    ['full', () => full.commands.execute(command)],
    ['nest', () => nestBus.execute(command)],
  ]) {
    const result = await run();
    if (result !== 4) throw new Error(`${name} returned ${result}, expected 4`);
  }
  if (validateSync(command, VALIDATOR_OPTIONS).length !== 0) throw new Error('the bench command is invalid');
  const invalid = new PlaceOrder();
  invalid.quantity = 0;
  if (!(await full.commands.execute(invalid).then(() => false, (e) => e.code === 'VALIDATION_FAILED'))) {
    throw new Error('the default pipeline did not validate');
  }

  return {
    command,
    tasks: {
      a: ['(a) direct await handler.handle(cmd)', async () => { for (let i = 0; i < BATCH; i++) await handler.handle(command); }],
      b: ['(b) kernel CommandBus, no middleware', async () => { for (let i = 0; i < BATCH; i++) await bare.commands.execute(command); }],
      c: ['(c) kernel CommandBus, default pipeline', async () => { for (let i = 0; i < BATCH; i++) await full.commands.execute(command); }],
      d: ['(d) @nestjs/cqrs 11 CommandBus.execute', async () => { for (let i = 0; i < BATCH; i++) await nestBus.execute(command); }],
      e: ['(e) class-validator validateSync alone', () => { for (let i = 0; i < BATCH; i++) validateSync(command, VALIDATOR_OPTIONS); }],
    },
    close: async () => {
      bare.dispose();
      full.dispose();
      await app.close();
    },
  };
}

/**
 * (f) against (b) in a phase of their own, after (a)–(e): a kernel with scoped services enters the
 * dispatch context, whose first AsyncLocalStorage.run turns on Node 20's promise hooks for the whole
 * process (docs/kernel.md, "Cost"), which would slow every other contender measured after it.
 */
async function scopedContenders() {
  const bare = createKernel({ handlers: [PlaceOrderHandler], validation: false });
  const withScope = createKernel({
    handlers: [ScopedPlaceOrderHandler],
    validation: false,
    scoped: [scoped(REQUEST, (context) => ({ one: 1, correlationId: context.correlationId }))],
  });
  const command = new PlaceOrder();
  if ((await withScope.commands.execute(command)) !== 4) throw new Error('the scoped kernel did not answer 4');
  return {
    tasks: {
      b: ['(b′) kernel CommandBus, no middleware', async () => { for (let i = 0; i < BATCH; i++) await bare.commands.execute(command); }],
      f: ['(f) kernel, no middleware, 1 scoped service', async () => { for (let i = 0; i < BATCH; i++) await withScope.commands.execute(command); }],
    },
    close: async () => {
      bare.dispose();
      withScope.dispose();
    },
  };
}

async function throughput(build = contenders) {
  const { tasks, close } = await build();
  const perRound = Object.fromEntries(Object.keys(tasks).map((key) => [key, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ time: TIME_MS, warmup: true, warmupTime: 100 });
    for (const [name, fn] of Object.values(tasks)) bench.add(name, fn);
    await bench.run();
    for (const [key, [name]] of Object.entries(tasks)) {
      const result = bench.getTask(name)?.result;
      if (!result || !('latency' in result)) throw new Error(`${name} did not complete: ${result?.state} ${result?.error ?? ''}`);
      // Median batch latency (ms) → ns per operation; the median resists GC and scheduler outliers.
      perRound[key].push({ perOp: (result.latency.p50 * 1e6) / BATCH, rme: result.latency.rme });
    }
  }
  await close();
  const ns = {};
  for (const [key, [name]] of Object.entries(tasks)) {
    const rounds = perRound[key];
    ns[key] = { name, perOp: median(rounds.map((r) => r.perOp)), rme: median(rounds.map((r) => r.rme)), rounds: rounds.map((r) => r.perOp) };
  }
  return ns;
}

function wallMs(args) {
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${child.stderr}`);
  return elapsed;
}

function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function coldStart() {
  const script = fileURLToPath(new URL('./fixtures/kernel-query.mjs', import.meta.url));
  const peers = ['--input-type=module', '-e', "import 'reflect-metadata'; import 'class-validator'; import 'class-transformer'; import 'typedi';"];
  wallMs([script]); // warms the file system cache
  const runs = { bare: [], peers: [], kernel: [] };
  for (let i = 0; i < COLD_RUNS; i++) {
    runs.bare.push(wallMs(['-e', '0']));
    runs.peers.push(wallMs(peers));
    runs.kernel.push(wallMs([script]));
  }
  return { bare: median(runs.bare), peers: median(runs.peers), kernel: median(runs.kernel) };
}

function machine() {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${cpus().length} CPUs, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}`;
}

const fmt = (n) => n.toFixed(1).padStart(9);
const verdict = (ok) => (ok ? 'PASS' : 'FAIL');

const ns = await throughput();
console.log(`hostfactory-kernel bench — ${machine()}`);
console.log(`${BATCH} ops per sample, ${TIME_MS} ms per task, ${ROUNDS} rounds; ns/op = median over rounds of each round's median\n`);
console.log(`${'contender'.padEnd(44)} ${'ns/op'.padStart(9)}   ×(a)    ±rme   rounds`);
for (const { name, perOp, rme, rounds } of Object.values(ns)) {
  const each = rounds.map((r) => r.toFixed(0)).join(' / ');
  console.log(`${name.padEnd(44)} ${fmt(perOp)}  ${(perOp / ns.a.perOp).toFixed(2).padStart(5)}  ${rme.toFixed(1).padStart(5)}%   ${each}`);
}

// Ratios are taken within each round (its contenders ran back to back, under the same load) and
// the median over rounds is judged: a shared machine's slow and fast rounds then cancel out.
const perRound = (f) => median(ns.a.rounds.map((_, i) => f((k) => ns[k].rounds[i])));
const ba = perRound((r) => r('b') / r('a'));
const bd = perRound((r) => r('b') / r('d'));
const cbe = perRound((r) => r('c') / (r('b') + r('e') * 1.1));
console.log(`\nper-round ratios (median over rounds): (b)/(a) ${ba.toFixed(2)} · (b)/(d) ${bd.toFixed(2)} · (c)/((b)+(e)×1.1) ${cbe.toFixed(2)}`);

// Reported, not a target: what one scoped service costs a dispatch (the scope, the dispatch context a
// kernel with scoped services always enters, the service, the handler built for the dispatch, its
// disposal), measured after everything above, with the promise hooks on for both contenders.
const scopedNs = await throughput(scopedContenders);
const scopedRound = (f) => median(scopedNs.b.rounds.map((_, i) => f((k) => scopedNs[k].rounds[i])));
const scopedCost = scopedRound((r) => r('f') - r('b'));
console.log(`\none scoped service per dispatch (measured after the above, promise hooks on)`);
for (const { name, perOp, rme } of Object.values(scopedNs)) console.log(`${name.padEnd(44)} ${fmt(perOp)}  ±${rme.toFixed(1)}%`);
console.log(`cost of one scoped service: (f)−(b′) = ${scopedCost.toFixed(1)} ns per dispatch, (f)/(b′) ${scopedRound((r) => r('f') / r('b')).toFixed(2)} (medians over rounds)`);
const targets = [
  [`(b)/(a) = ${ba.toFixed(2)} ≤ 1.3 (medians: ${(ns.b.perOp / ns.a.perOp).toFixed(2)})`, ba <= 1.3],
  [`(b) faster than (d): (b)/(d) = ${bd.toFixed(2)} < 1 (${ns.b.perOp.toFixed(1)} vs ${ns.d.perOp.toFixed(1)} ns)`, bd < 1],
  [`(c) ≤ (b) + (e)×1.1: (c)/((b)+(e)×1.1) = ${cbe.toFixed(2)} ≤ 1 (${ns.c.perOp.toFixed(1)} vs ${(ns.b.perOp + ns.e.perOp * 1.1).toFixed(1)} ns)`, cbe <= 1],
];

const cold = coldStart();
console.log(`\ncold start (median of ${COLD_RUNS} fresh processes)`);
const line = (label, ms) => {
  const delta = ms === cold.bare ? '' : `  (×${(ms / cold.bare).toFixed(2)}, +${(ms - cold.bare).toFixed(1)} ms)`;
  console.log(`  ${label.padEnd(44)} ${ms.toFixed(1).padStart(7)} ms${delta}`);
};
line('node -e 0', cold.bare);
line('import the four peers only', cold.peers);
line('import ESM build + createKernel + 1 query', cold.kernel);

console.log('\ntargets');
for (const [text, ok] of targets) record('kernel', text, ok);
saveResult('kernel', { ns, ratios: { ba, bd, cbe }, scoped: { ns: scopedNs, cost: scopedCost }, cold });

