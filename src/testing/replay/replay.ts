import type { HostFactory } from '../../application/host-factory';
import { parseTemplatesFile } from '../../hostfactory/input';
import { createHostFactoryApi } from '../../hostfactory/api';
import { asRecorded, type RecordedCall } from '../../hostfactory/recording/recording-format';
import { redactor, type RecordingRedaction } from '../../hostfactory/recording/redact';
import type { HostFactoryOperation } from '../../hostfactory/wire';
import { createInMemoryStorage } from '../in-memory-storage';
import { createTestHostFactory } from '../test-host-factory';
import { compareFields } from './compare';
import { ReplayPorts } from './replay-ports';
import { isScenarioFile, loadScenarioFile, readReplaySource, type ReplayEntry } from './replay-source';

/** Options of {@link replayRecording}. */
export interface ReplayOptions {
  /** Divergences kept in the report (the count covers all). Default 20. */
  readonly maxDivergences?: number;
  /** The redaction the recording was written with (extra `sensitiveKeys`, kept `userData` or tags), so calls made now compare with it. Default: the recorder's default. */
  readonly redaction?: RecordingRedaction;
  /** The provider time limit of the replaying host factory (a call recorded as pending times out with it). Default: the first scenario file's `providerTimeoutMs`, else 30000. */
  readonly providerTimeoutMs?: number;
  /**
   * Seeds the fresh storage before the first call, for what happened before the recording began
   * (templates imported outside any recorded call, say): `(hf) => hf.commands.execute(parseTemplatesFile(doc))`.
   * Its clock and ids are not the recorded ones.
   */
  readonly seed?: (hostFactory: HostFactory) => Promise<unknown>;
}

/** Where the build answered differently from the recording. `field` is a path in the answer, `exitCode`, or `provider.<method>` for a provider call made or not made. */
export interface ReplayDivergence {
  /** The file and line of the recorded call. */
  readonly source: string;
  readonly line: number;
  readonly operation: string;
  /** What the call was about: the request ids, template id or machine names of its input. */
  readonly request: string;
  readonly field: string;
  readonly recorded: unknown;
  readonly now: unknown;
}

/** What {@link replayRecording} found. */
export interface ReplayReport {
  /** True when every call answered as recorded and made exactly the recorded provider calls. */
  readonly matched: boolean;
  readonly calls: number;
  /** The first divergences, in recording order (at most `maxDivergences`). */
  readonly divergences: readonly ReplayDivergence[];
  readonly divergenceCount: number;
  /** Torn lines skipped (a writer killed or out of disk mid-line): their calls were not replayed. */
  readonly torn: readonly { readonly source: string; readonly line: number }[];
  /** Calls that started and never wrote their end (the process was killed): not replayed; what they changed is missing from the replay. */
  readonly interrupted: readonly { readonly source: string; readonly line: number; readonly operation: string; readonly at: string; readonly pid: number; readonly request: string }[];
}

/**
 * Re-runs recorded calls (recording files in order, oldest first, or scenario files in JSON or
 * YAML) against this build: fresh in-memory storage, the provider answering each call as recorded,
 * the clock and ids as recorded (a scenario call's `fault.commit` fails its first commit). Each answer and exit status is compared field by field with the
 * recorded one; a provider call the recording lacks (or lacks now) is a divergence, never guessed.
 * Throws `RecordingError` (naming file and line) for a file that is not a recording.
 */
export async function replayRecording(sources: string | readonly string[], options: ReplayOptions = {}): Promise<ReplayReport> {
  const max = options.maxDivergences ?? 20;
  const redact = redactor(options.redaction);
  const list = typeof sources === 'string' ? [sources] : sources;
  const first = list[0] !== undefined && isScenarioFile(list[0]) ? await loadScenarioFile(list[0]) : undefined;
  const providerTimeoutMs = first?.providerTimeoutMs ?? options.providerTimeoutMs ?? 30_000;
  const ports = new ReplayPorts(redact, providerTimeoutMs);
  const storage = ports.withFaults(createInMemoryStorage());
  const hostFactory = createTestHostFactory({ storage, provider: ports.provider, clock: ports.clock, ids: ports.ids, limits: { providerTimeoutMs } });
  const divergences: ReplayDivergence[] = [];
  const torn: { source: string; line: number }[] = [];
  const open = new Map<string, ReplayReport['interrupted'][number]>();
  let count = 0;
  let calls = 0;
  let templates: string | undefined;
  try {
    await options.seed?.(hostFactory);
    for await (const entry of readReplaySource(list)) {
      if (entry.started !== undefined) {
        const { call: id, operation, at, pid, input } = entry.started;
        open.set(id, { source: entry.source, line: entry.line, operation, at, pid, request: aboutInput(input) });
        continue;
      }
      if (entry.call === undefined) {
        torn.push({ source: entry.source, line: entry.line });
        continue;
      }
      calls += 1;
      const call = entry.call;
      if (call.call !== undefined) open.delete(call.call);
      ports.begin(call);
      const answer = await runCall(hostFactory, call, () => {
        // As the example provider does: the templates are imported when they changed.
        const text = JSON.stringify(call.setup?.templates);
        if (call.setup?.templates === undefined || text === templates) return Promise.resolve();
        templates = text;
        return hostFactory.commands.execute(parseTemplatesFile(call.setup.templates, { deactivateMissing: true })).then(() => undefined);
      });
      const found = [
        ...(call.exitCode === answer.exitCode ? [] : [{ field: 'exitCode', recorded: call.exitCode, now: answer.exitCode }]),
        ...compareFields(call.answer, asRecorded(redact(answer.document))),
        ...ports.end().map((d) => ({ field: `provider.${d.method}`, recorded: d.recorded, now: d.now })),
      ];
      count += found.length;
      for (const d of found) if (divergences.length < max) divergences.push({ source: entry.source, line: entry.line, operation: call.operation, request: aboutInput(call.input), ...d });
    }
  } finally {
    hostFactory.dispose();
  }
  return { matched: count === 0, calls, divergences, divergenceCount: count, torn, interrupted: [...open.values()] };
}

async function runCall(hostFactory: ReturnType<typeof createTestHostFactory>, call: RecordedCall, setup: () => Promise<void>): Promise<{ exitCode: number; document: unknown }> {
  try {
    await setup();
  } catch (error) {
    return { exitCode: -1, document: { replay: `the recorded templates could not be imported: ${error instanceof Error ? error.message : String(error)}` } };
  }
  const api = createHostFactoryApi(hostFactory, { dialect: call.dialect, ...(call.options?.reconcile === undefined ? {} : { reconcile: call.options.reconcile }) });
  const input = call.input === null ? undefined : call.input;
  return api[call.operation as HostFactoryOperation](input);
}

/** A short text naming what a call's input is about, for reports. */
export function aboutInput(input: unknown): string {
  if (input === null || typeof input !== 'object') return '';
  const doc = input as { requests?: unknown; template?: { templateId?: unknown }; machines?: unknown };
  const ids = (list: unknown, key: string) => (Array.isArray(list) ? list.map((x) => String((x as Record<string, unknown>)?.[key] ?? '')).join(',') : '');
  if (doc.template?.templateId !== undefined) return `template ${String(doc.template.templateId)}`;
  if (Array.isArray(doc.requests)) return `requests ${ids(doc.requests, 'requestId')}`;
  if (Array.isArray(doc.machines)) return `machines ${ids(doc.machines, 'name')}`;
  return '';
}

export type { ReplayEntry };
