import type { Attributes, Counter, Histogram, Meter, ObservableGauge, ObservableResult } from '@opentelemetry/api';
import type { ProjectionLagSample, WorkSignal } from '../kernel/instrumentation';
import { ATTR, METRIC } from './conventions';

/** The instruments of one `openTelemetry()` instrumentation. */
export class KernelMetrics {
  private readonly duration: Histogram;
  private readonly conflicts: Counter;
  private readonly retries: Counter;
  private readonly validationFailures: Counter;
  private readonly providerErrors: Counter;
  private readonly lag: ObservableGauge;

  constructor(meter: Meter) {
    this.duration = meter.createHistogram(METRIC.duration, {
      description: 'Duration of commands, queries, event handlers, projection batches and provider calls, by type and outcome.',
      unit: 's',
      // The buckets the semantic conventions advise for durations in seconds (HTTP, messaging).
      advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] },
    });
    this.conflicts = meter.createCounter(METRIC.conflicts, { description: 'Attempts that failed with CONCURRENCY_CONFLICT.', unit: '{conflict}' });
    this.retries = meter.createCounter(METRIC.retries, { description: 'Attempts run again after a retriable failure.', unit: '{retry}' });
    this.validationFailures = meter.createCounter(METRIC.validationFailures, {
      description: 'Commands and queries rejected with VALIDATION_FAILED.',
      unit: '{message}',
    });
    this.providerErrors = meter.createCounter(METRIC.providerErrors, { description: 'Provider calls that failed.', unit: '{call}' });
    this.lag = meter.createObservableGauge(METRIC.projectionLag, {
      description: 'Committed events a projection has not applied yet, read when metrics are collected.',
      unit: '{event}',
    });
  }

  /** Records one finished unit of work; `code` is the error's code (or name) when it failed. */
  finished(attributes: Attributes, seconds: number, code: string | undefined): void {
    if (code === undefined) {
      this.duration.record(seconds, { ...attributes, [ATTR.outcome]: 'success' });
      return;
    }
    this.duration.record(seconds, { ...attributes, [ATTR.outcome]: 'failure', [ATTR.errorType]: code });
    const kind = attributes[ATTR.kind];
    if (code === 'VALIDATION_FAILED' && (kind === 'command' || kind === 'query')) this.validationFailures.add(1, { [ATTR.kind]: kind, [ATTR.name]: attributes[ATTR.name] });
    if (kind === 'provider') this.providerErrors.add(1, { [ATTR.provider]: attributes[ATTR.name], [ATTR.errorType]: code });
  }

  /** Counts a conflict or retry. */
  signal(signal: WorkSignal): void {
    if (signal.kind === 'attempt-failed') {
      if (signal.code === 'CONCURRENCY_CONFLICT') this.conflicts.add(1, { [ATTR.name]: signal.messageName, [ATTR.conflictStage]: 'command' });
      if (signal.retried) this.retries.add(1, { [ATTR.name]: signal.messageName, [ATTR.errorType]: signal.code });
      return;
    }
    this.conflicts.add(1, { [ATTR.conflictStage]: 'record' });
    if (signal.retried) this.retries.add(1, { [ATTR.name]: 'record', [ATTR.errorType]: 'CONCURRENCY_CONFLICT' });
  }

  /** Observes `read()`'s lags on every collection until the returned function is called. */
  watchProjections(read: () => Promise<readonly ProjectionLagSample[]>): () => void {
    const callback = async (result: ObservableResult): Promise<void> => {
      for (const sample of await read()) result.observe(sample.lag, { [ATTR.projection]: sample.projection });
    };
    this.lag.addCallback(callback);
    return () => this.lag.removeCallback(callback);
  }
}
