import 'reflect-metadata';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { FLAT_TRACES_WARNING, openTelemetry } from '../../src/otel';
import { resetFlatTracesCheck } from '../../src/otel/open-telemetry';
import type { TestHostFactory } from '../../src/testing';
import { tracedRequest } from './scenario';
import type { Telemetry } from './support';

/** An SDK as a script sets one up with `BasicTracerProvider` alone: no context manager registered. */
function bareSdk(): Telemetry & { provider: BasicTracerProvider } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return {
    provider,
    instrumentation: openTelemetry({ tracerProvider: provider }),
    spans: () => exporter.getFinishedSpans(),
    points: () => [],
    collect: async () => undefined,
    shutdown: () => provider.shutdown(),
  };
}

/** Warnings of code FLAT_TRACES_WARNING emitted while `work` runs (process warnings are emitted on the next tick). */
async function flatWarnings(work: () => Promise<void>): Promise<Error[]> {
  const seen: Error[] = [];
  const listener = (warning: Error & { code?: string }) => {
    if (warning.code === FLAT_TRACES_WARNING) seen.push(warning);
  };
  process.on('warning', listener);
  try {
    await work();
    await new Promise((resolve) => setImmediate(resolve));
    return seen;
  } finally {
    process.off('warning', listener);
  }
}

describe('openTelemetry() without a context manager', () => {
  let hf: TestHostFactory | undefined;
  afterEach(() => {
    hf?.dispose();
    hf = undefined;
    context.disable();
    resetFlatTracesCheck();
  });

  it('warns once, naming the fix, when every span would start its own trace', async () => {
    context.disable();
    const sdk = bareSdk();
    const warnings = await flatWarnings(async () => {
      hf = await tracedRequest(sdk);
      hf.dispose();
      hf = await tracedRequest(sdk);
    });
    // The flat case itself: the command and the provider call it made are in different traces.
    const traces = new Set(sdk.spans().map((s) => s.spanContext().traceId));
    expect(traces.size).toBeGreaterThan(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.name).toBe('HostFactoryWarning');
    expect(warnings[0]!.message).toContain('AsyncLocalStorageContextManager');
    await sdk.shutdown();
  });

  it('stays silent, and nests, once a context manager is registered', async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const sdk = bareSdk();
    const warnings = await flatWarnings(async () => {
      hf = await tracedRequest(sdk);
    });
    expect(warnings).toEqual([]);
    expect(new Set(sdk.spans().map((s) => s.spanContext().traceId)).size).toBe(1);
    await sdk.shutdown();
  });
});
