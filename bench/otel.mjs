// OpenTelemetry and the dispatch context (issue 18): what `instrumentation: openTelemetry()` costs a
// dispatch when the host registered no SDK (target ≤ 1.1× the same kernel without it), what it costs
// with an SDK exporting to memory (reported), and what the AsyncLocalStorage scope every dispatch
// enters costs. `BENCH_SUITES=otel npm run bench`; runs against `dist`.
import 'reflect-metadata';
import { AsyncLocalStorage } from 'node:async_hooks';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { commandHandler, createKernel } from '../dist/index.js';
import { openTelemetry } from '../dist/otel/index.js';
import { QUICK, interleavedRounds, median, saveResult, target as record } from './lib/common.mjs';
import { definePlaceOrder } from './lib/place-order.mjs';

const BATCH = 100;
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? (QUICK ? 200 : 400));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 3 : 7));

const PlaceOrder = definePlaceOrder();
class PlaceOrderHandler {
  async handle(command) {
    return command.quantity + 1;
  }
}
commandHandler(PlaceOrder)(PlaceOrderHandler);
const command = new PlaceOrder();

const measure = (tasks) => interleavedRounds(tasks, { rounds: ROUNDS, timeMs: TIME_MS, batch: BATCH });

const batchOf = (run) => async () => {
  for (let i = 0; i < BATCH; i++) await run();
};
const ratio = (rounds, a, b) => median(rounds[a].map((v, i) => v / rounds[b][i]));
const ns = (rounds, k) => median(rounds[k]);
const line = (label, value, extra = '') => console.log(`  ${label.padEnd(64)} ${value.toFixed(0).padStart(7)} ns/op${extra}`);

// 1. No SDK registered: the instrumentation must stay out of the way.
// An instrumented kernel always runs its dispatches in the dispatch scope, so the baseline does too:
// the ratio measures the instrumentation alone (the scope's own cost is line (e) and docs/kernel.md).
const plain = createKernel({ handlers: [PlaceOrderHandler], dispatchContext: true });
const noSdk = createKernel({ handlers: [PlaceOrderHandler], instrumentation: openTelemetry() });
const store = new AsyncLocalStorage();
const handler = new PlaceOrderHandler();
for (const k of [plain, noSdk]) if ((await k.commands.execute(command)) !== 4) throw new Error('the bench kernel answered wrongly');
const first = await measure({
  plain: batchOf(() => plain.commands.execute(command)),
  noSdk: batchOf(() => noSdk.commands.execute(command)),
  direct: batchOf(() => handler.handle(command)),
  scoped: batchOf(() => store.run(command, () => handler.handle(command))),
});

// 2. An SDK recording every span (batched, as in production) and metric into memory, with the context manager Node SDKs register.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(spans)] });
const meterProvider = new MeterProvider({
  readers: [new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 3_600_000 })],
});
const withSdk = createKernel({ handlers: [PlaceOrderHandler], instrumentation: openTelemetry({ tracerProvider, meterProvider }) });
await withSdk.commands.execute(command);
await tracerProvider.forceFlush();
if (spans.getFinishedSpans().length !== 1) throw new Error('the SDK recorded no span');
const second = await measure({
  plain: batchOf(() => plain.commands.execute(command)),
  withSdk: async () => {
    spans.reset();
    for (let i = 0; i < BATCH; i++) await withSdk.commands.execute(command);
  },
});

console.log(`OpenTelemetry and the dispatch context — ${BATCH} ops per sample, ${TIME_MS} ms per task, ${ROUNDS} rounds; medians over rounds\n`);
line('(a) kernel, default pipeline, no instrumentation', ns(first, 'plain'));
line('(b) same, instrumentation: openTelemetry(), no SDK registered', ns(first, 'noSdk'), `   (b)/(a) ${ratio(first, 'noSdk', 'plain').toFixed(2)}`);
line('(c) same, SDK: batched in-memory span exporter, metric reader', ns(second, 'withSdk'), `   (c)/(a) ${ratio(second, 'withSdk', 'plain').toFixed(2)}`);
line('(d) direct await handler.handle(cmd)', ns(first, 'direct'));
line('(e) same inside AsyncLocalStorage.run (the dispatch scope)', ns(first, 'scoped'), `   (e)-(d) ${(ns(first, 'scoped') - ns(first, 'direct')).toFixed(0)} ns`);

saveResult('otel', {
  plain: ns(first, 'plain'),
  noSdk: ns(first, 'noSdk'),
  withSdk: ns(second, 'withSdk'),
  plainWithContextManager: ns(second, 'plain'),
  direct: ns(first, 'direct'),
  scoped: ns(first, 'scoped'),
});
const noSdkRatio = ratio(first, 'noSdk', 'plain');
console.log('\ntargets');
record('otel', `(b)/(a) = ${noSdkRatio.toFixed(2)} ≤ 1.1 (openTelemetry() with no SDK registered)`, noSdkRatio <= 1.1);
for (const k of [plain, noSdk, withSdk]) k.dispose();
await tracerProvider.shutdown();
await meterProvider.shutdown();
