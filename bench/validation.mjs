// Validation as classes multiply (issue 9): validated dispatch (the default pipeline, a command with
// four decorated fields, seven rules) with 500 unrelated decorated classes loaded vs none, each side
// in a child process of its own (so the class count really differs); with the kernel's per-class
// metadata memo (src/kernel/validation-cache.ts) and, for contrast, with the original lookup.
import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { IsInt, IsOptional, IsString, MinLength, getMetadataStorage } from 'class-validator';
import { commandHandler, createKernel } from '../dist/index.js';
import { QUICK, latency, machine, runChild, saveResult, target } from './lib/common.mjs';
import { definePlaceOrder } from './lib/place-order.mjs';

const CLASSES = 500;
const ORIGINAL = Symbol.for('hostfactory-kernel.validation-metadata-cache.original');

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

async function child(classes, memo) {
  declareUnrelated(classes);
  const PlaceOrder = definePlaceOrder();
  class PlaceOrderHandler {
    async handle(command) {
      return command.quantity + 1;
    }
  }
  commandHandler(PlaceOrder)(PlaceOrderHandler);
  const kernel = createKernel({ handlers: [PlaceOrderHandler] });
  const command = new PlaceOrder();
  if ((await kernel.commands.execute(command)) !== 4) throw new Error('bad dispatch');
  const storage = getMetadataStorage();
  const memoised = storage.getTargetValidationMetadatas;
  const original = storage[ORIGINAL];
  if (typeof original !== 'function') throw new Error('the validation metadata memo is not installed');
  // Equality of results on a corpus of valid and invalid inputs, memo on vs the original lookup.
  const corpus = [{}, { sku: 'X' }, { quantity: 0 }, { quantity: 101, channel: 'mail' }, { gift: 'yes', sku: 7 }, { quantity: 2.5 }, { extra: 1 }, { sku: 'ABCD', quantity: 100, channel: 'shop', gift: true }];
  const outcomes = async () => Promise.all(corpus.map((f) => kernel.commands.execute(new PlaceOrder(f)).then((r) => ({ ok: r }), (e) => ({ code: e.code, issues: e.issues }))));
  const withMemo = JSON.stringify(await outcomes());
  storage.getTargetValidationMetadatas = original;
  const withoutMemo = JSON.stringify(await outcomes());
  const equal = withMemo === withoutMemo;
  if (memo) storage.getTargetValidationMetadatas = memoised;
  const figure = await latency(() => kernel.commands.execute(command), { batches: QUICK ? 9 : 21, size: 200, warmup: 2000 });
  kernel.dispose();
  return { classes, memo, perOpUs: figure.median, equal, invalid: corpus.length - 1 };
}

const [mode, classes, memo] = process.argv.slice(2);
if (mode === 'child') console.log(JSON.stringify(await child(Number(classes), memo === 'on')));
else {
  const self = fileURLToPath(import.meta.url);
  // Alternate the sides over rounds (a shared machine drifts); each figure is the median of its rounds.
  // Process-to-process variance (JIT, heap layout) is ±25 % here; 11 processes per side steady the medians.
  const rounds = QUICK ? 3 : 11;
  const fig = { 'none/on': [], '500/on': [], 'none/off': [], '500/off': [] };
  let equal = true;
  for (let r = 0; r < rounds; r++) {
    for (const [n, m] of [[0, 'on'], [CLASSES, 'on'], [0, 'off'], [CLASSES, 'off']]) {
      const out = runChild(self, ['child', String(n), m]);
      equal &&= out.equal;
      fig[`${n === 0 ? 'none' : '500'}/${m}`].push(out.perOpUs);
    }
  }
  const med = Object.fromEntries(Object.entries(fig).map(([k, v]) => [k, [...v].sort((a, b) => a - b)[v.length >> 1]]));
  console.log(`validation as classes multiply — ${machine()}`);
  console.log(`validated dispatch (default pipeline, 4 fields / 7 rules), µs per dispatch, median of ${rounds} child processes per side\n`);
  const row = (label, a, b) => console.log(`  ${label.padEnd(36)} none ${a.toFixed(2).padStart(7)} µs   ${CLASSES} classes ${b.toFixed(2).padStart(7)} µs   ×${(b / a).toFixed(2)}`);
  row('with the per-class memo (shipped)', med['none/on'], med['500/on']);
  row('original lookup (memo bypassed)', med['none/off'], med['500/off']);
  console.log(`  results memo vs original lookup on a corpus of 1 valid + 7 invalid commands: ${equal ? 'identical' : 'DIFFERENT'}`);
  console.log('\ntargets');
  const ratio = med['500/on'] / med['none/on'];
  target('validation', `${CLASSES} unrelated classes / none = ${ratio.toFixed(2)} ≤ 1.2`, ratio <= 1.2);
  target('validation', 'memo and original lookup give identical results on the corpus', equal);
  saveResult('validation', { classes: CLASSES, rounds, fig, med, equal });
}
