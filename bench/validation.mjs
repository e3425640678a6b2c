// Validated messages (issue 19): (i) a fresh message per call from a plain JSON object, our
// `PlaceOrder.from(json)` → `commands.execute` against the stack a Nest user assembles from the same
// class-validator decorators (`plainToInstance` + `validateSync` with whitelist and
// forbidNonWhitelisted + @nestjs/cqrs `CommandBus.execute`); (ii) validated dispatch with 500
// unrelated decorated classes loaded vs none, each side in a child process of its own, nothing
// patched (class-validator's own `validateSync` measured beside it, for contrast).
import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { CommandBus as NestCommandBus, CommandHandler as NestCommandHandler, CqrsModule } from '@nestjs/cqrs';
import { plainToInstance } from 'class-transformer';
import { IsInt, IsOptional, IsString, MinLength, validateSync } from 'class-validator';
import { commandHandler, createKernel } from '../dist/index.js';
import { QUICK, interleavedRounds, latency, machine, median, runChild, saveResult, target } from './lib/common.mjs';
import { definePlaceOrder, definePlaceOrderLines } from './lib/place-order.mjs';

const CLASSES = 500;
const BATCH = 100;
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? (QUICK ? 200 : 400));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 3 : 7));
/** What a Nest ValidationPipe runs (whitelist + forbidNonWhitelisted), with the kernel's other options. */
const PEER_VALIDATOR_OPTIONS = Object.freeze({ whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false, validationError: { target: false, value: false } });

function declareUnrelated(count) {
  for (let i = 0; i < count; i++) {
    const C = { [`Unrelated${i}`]: class {} }[`Unrelated${i}`];
    IsString()(C.prototype, 'name');
    MinLength(2)(C.prototype, 'name');
    IsInt()(C.prototype, 'count');
    IsOptional()(C.prototype, 'note');
    IsString()(C.prototype, 'note');
  }
}

class PlaceOrderHandler {
  async handle(command) {
    return command.quantity + 1;
  }
  execute(command) {
    return this.handle(command);
  }
}

/** The two messages of (i): a flat one, and one with nested arrays of validated classes. */
const LINE = (n) => ({ sku: `SKU-${n}`, quantity: n, tags: ['gift', 'fragile'] });
const FRESH_CASES = {
  flat: {
    label: 'PlaceOrder (4 fields, 7 rules)',
    define: definePlaceOrder,
    corpus: [{ sku: 'SKU-9', quantity: 3, channel: 'web', gift: false }, {}, { sku: 'X', quantity: 3, channel: 'web', gift: false }, { sku: 'SKU-9', quantity: 0, channel: 'web', gift: false }, { sku: 'SKU-9', quantity: 3, channel: 'mail', gift: false }, { sku: 'SKU-9', quantity: 3, channel: 'web', gift: 'no' }, { sku: 'SKU-9', quantity: 3, channel: 'web', gift: false, extra: 1 }],
  },
  nested: {
    label: 'PlaceOrderLines (5 lines of 3 fields with a string array, 12 rules)',
    define: definePlaceOrderLines,
    corpus: [{ customer: 'c-1', lines: [1, 2, 3, 4, 5].map(LINE) }, { customer: 'c-1', lines: [] }, { customer: 'c-1', lines: [LINE(1), { ...LINE(2), quantity: 0 }] }, { customer: 'c-1', lines: [LINE(1), { ...LINE(2), tags: [1] }] }, { customer: 'c-1', lines: [LINE(1), { ...LINE(2), extra: true }] }, { customer: 7, lines: [LINE(1)] }, { customer: 'c-1', lines: 'none' }],
  },
};

/** (i): both stacks on the same command class, alternating within each round; corpus[0] is the measured valid message. */
async function freshMessage({ define, corpus }) {
  const PlaceOrder = define();
  commandHandler(PlaceOrder)(PlaceOrderHandler);
  NestCommandHandler(PlaceOrder)(PlaceOrderHandler);
  class BenchModule {}
  Module({ imports: [CqrsModule.forRoot()], providers: [PlaceOrderHandler] })(BenchModule);
  const kernel = createKernel({ handlers: [PlaceOrderHandler] });
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  await app.init();
  const nest = app.get(NestCommandBus);
  const peer = (json) => {
    const command = plainToInstance(PlaceOrder, json);
    const errors = validateSync(command, PEER_VALIDATOR_OPTIONS);
    if (errors.length > 0) throw Object.assign(new Error('invalid'), { errors });
    return nest.execute(command);
  };
  const ours = (json) => kernel.commands.execute(PlaceOrder.from(json));
  // Same verdicts on a corpus (1 valid, 6 invalid), so both sides do the same work.
  const verdict = (run, json) => Promise.resolve().then(() => run(json)).then(() => 'ok', () => 'rejected');
  let agree = true;
  for (const json of corpus) agree &&= (await verdict(ours, json)) === (await verdict(peer, json));
  const json = corpus[0];
  const tasks = {
    ours: async () => { for (let i = 0; i < BATCH; i++) await ours(json); },
    peer: async () => { for (let i = 0; i < BATCH; i++) await peer(json); },
    from: () => { for (let i = 0; i < BATCH; i++) PlaceOrder.from(json); },
    plainToInstance: () => { for (let i = 0; i < BATCH; i++) plainToInstance(PlaceOrder, json); },
    validateSync: () => { const c = plainToInstance(PlaceOrder, json); for (let i = 0; i < BATCH; i++) validateSync(c, PEER_VALIDATOR_OPTIONS); },
  };
  const perRound = await interleavedRounds(tasks, { rounds: ROUNDS, timeMs: TIME_MS, batch: BATCH });
  kernel.dispose();
  await app.close();
  const ns = Object.fromEntries(Object.entries(perRound).map(([k, v]) => [k, median(v)]));
  const ratio = median(perRound.ours.map((o, i) => o / perRound.peer[i]));
  return { ns, perRound, ratio, agree };
}

/** (ii), in a child: validated dispatch (compiled) and class-validator alone, with `classes` unrelated classes declared. */
async function child(classes) {
  declareUnrelated(classes);
  const PlaceOrder = definePlaceOrder();
  commandHandler(PlaceOrder)(PlaceOrderHandler);
  const kernel = createKernel({ handlers: [PlaceOrderHandler] });
  const command = new PlaceOrder(); // not frozen: validated on every dispatch
  if ((await kernel.commands.execute(command)) !== 4) throw new Error('bad dispatch');
  const invalid = new PlaceOrder({ quantity: 0 });
  if (await kernel.commands.execute(invalid).then(() => true, () => false)) throw new Error('the default pipeline did not validate');
  const options = { batches: QUICK ? 9 : 21, size: 200, warmup: 2000 };
  const ours = await latency(() => kernel.commands.execute(command), options);
  const classValidator = await latency(async () => validateSync(command, PEER_VALIDATOR_OPTIONS), options);
  kernel.dispose();
  return { classes, ours: ours.median, classValidator: classValidator.median };
}

const [mode, classes] = process.argv.slice(2);
if (mode === 'child') console.log(JSON.stringify(await child(Number(classes))));
else {
  console.log(`validated messages — ${machine()}\n`);
  const fresh = {};
  const line = (label, v) => console.log(`  ${label.padEnd(64)} ${v.toFixed(0).padStart(7)} ns`);
  for (const [name, spec] of Object.entries(FRESH_CASES)) {
    const result = (fresh[name] = await freshMessage(spec));
    console.log(`(i) a fresh message per call from a plain JSON object: ${spec.label}; ${BATCH} ops per sample, ${TIME_MS} ms per task, ${ROUNDS} rounds, ns/op = median over rounds`);
    line('ours: X.from(json) → kernel commands.execute', result.ns.ours);
    line('peer: plainToInstance + validateSync + Nest CommandBus.execute', result.ns.peer);
    line('  of which X.from(json) alone', result.ns.from);
    line('  of which plainToInstance alone', result.ns.plainToInstance);
    line('  of which validateSync alone', result.ns.validateSync);
    console.log(`  ours / peer (median of per-round ratios): ${result.ratio.toFixed(2)}; verdicts on a corpus of 1 valid + 6 invalid: ${result.agree ? 'identical' : 'DIFFERENT'}\n`);
  }

  // Alternate the sides over rounds (a shared machine drifts); each figure is the median of its rounds.
  const self = fileURLToPath(import.meta.url);
  const rounds = QUICK ? 3 : 11;
  const runs = { none: [], many: [] };
  for (let r = 0; r < rounds; r++) {
    runs.none.push(runChild(self, ['child', '0']));
    runs.many.push(runChild(self, ['child', String(CLASSES)]));
  }
  const med = (side, key) => median(runs[side].map((x) => x[key]));
  const scaling = { ours: med('many', 'ours') / med('none', 'ours'), classValidator: med('many', 'classValidator') / med('none', 'classValidator') };
  console.log(`(ii) with ${CLASSES} unrelated decorated classes loaded vs none, µs per operation, median of ${rounds} child processes per side, nothing patched`);
  const row = (label, key) => console.log(`  ${label.padEnd(44)} none ${med('none', key).toFixed(2).padStart(7)} µs   ${CLASSES} classes ${med('many', key).toFixed(2).padStart(7)} µs   ×${scaling[key].toFixed(2)}`);
  row('validated dispatch, compiled (default pipeline)', 'ours');
  row('class-validator validateSync alone', 'classValidator');

  console.log('\ntargets');
  for (const [name, result] of Object.entries(fresh)) {
    target('validation', `fresh message per call (${name}): ours / Nest stack = ${result.ratio.toFixed(3)} ≤ 0.25 (${result.ns.ours.toFixed(0)} vs ${result.ns.peer.toFixed(0)} ns)`, result.ratio <= 0.25);
  }
  target('validation', `${CLASSES} unrelated classes / none = ${scaling.ours.toFixed(2)} ≤ 1.2, no patch (class-validator alone ×${scaling.classValidator.toFixed(2)})`, scaling.ours <= 1.2);
  target('validation', 'ours and the Nest stack give the same verdicts on both corpora', Object.values(fresh).every((result) => result.agree));
  saveResult('validation', { classes: CLASSES, rounds, fresh, runs, scaling });
}
