import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { openTelemetry } from '../../src/otel';
import type { Instrumentation } from '../../src/kernel';

/** An SDK recording into memory: spans in `spans()`, metrics in `metrics()`. */
export interface Telemetry {
  readonly instrumentation: Instrumentation;
  spans(): ReadableSpan[];
  /** Every data point of metric `name` (after a collection), with its attributes. */
  points(name: string): DataPoint<unknown>[];
  collect(): Promise<void>;
  shutdown(): Promise<void>;
}

let manager: AsyncLocalStorageContextManager | undefined;

/**
 * Registers an AsyncLocalStorage context manager once (what the Node SDK does) and returns a fresh
 * in-memory SDK; `global: true` also makes it the global tracer provider until `shutdown()`, for
 * code that calls `trace.getTracer()` itself.
 */
export function telemetry(options: { global?: boolean } = {}): Telemetry {
  if (manager === undefined) {
    manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
  }
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  if (options.global) {
    trace.disable();
    trace.setGlobalTracerProvider(tracerProvider);
  }
  return {
    instrumentation: openTelemetry({ tracerProvider, meterProvider }),
    spans: () => exporter.getFinishedSpans(),
    async collect() {
      metricExporter.reset();
      await reader.forceFlush();
    },
    points(name) {
      const batches = metricExporter.getMetrics();
      const last = batches.at(-1);
      const metric = last?.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
      return (metric?.dataPoints ?? []) as DataPoint<unknown>[];
    },
    async shutdown() {
      if (options.global) trace.disable();
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** Sum of a counter's points whose attributes include `match`. */
export function total(points: DataPoint<unknown>[], match: Record<string, unknown> = {}): number {
  return points.filter((p) => matches(p.attributes, match)).reduce((sum, p) => sum + (p.value as number), 0);
}

/** Count of a histogram's recordings whose attributes include `match`. */
export function recordings(points: DataPoint<unknown>[], match: Record<string, unknown> = {}): number {
  return points.filter((p) => matches(p.attributes, match)).reduce((sum, p) => sum + (p.value as Histogram).count, 0);
}

function matches(attributes: Record<string, unknown>, match: Record<string, unknown>): boolean {
  return Object.entries(match).every(([k, v]) => attributes[k] === v);
}

/** A span and its children, in the order they finished (siblings here run one after another). */
export interface SpanNode {
  readonly span: ReadableSpan;
  readonly children: SpanNode[];
}

/**
 * The trees the spans form (roots: spans whose parent is not among them). Siblings keep the order
 * the exporter received them, their finish order: start times can tie at the clock's resolution.
 */
export function spanForest(spans: readonly ReadableSpan[]): SpanNode[] {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, { span: s, children: [] as SpanNode[] }]));
  const roots: SpanNode[] = [];
  for (const node of byId.values()) {
    const parent = node.span.parentSpanContext?.spanId;
    const owner = parent === undefined ? undefined : byId.get(parent);
    (owner?.children ?? roots).push(node);
  }
  return roots;
}

/** The forest as indented span names, one per line, for assertions that read like the trace. */
export function outline(nodes: readonly SpanNode[], depth = 0): string[] {
  return nodes.flatMap((n) => [`${'  '.repeat(depth)}${n.span.name}`, ...outline(n.children, depth + 1)]);
}
