import type { RecordedCall } from '../hostfactory/recording/recording-format';
import { aboutInput } from '../testing/replay/replay';
import type { ReplayEntry } from '../testing/replay/replay-source';

/** Calls that started and have not (yet) written their end, by call id: what `show` lists as interrupted. */
export class OpenCalls {
  private readonly open = new Map<string, ReplayEntry>();

  /** Notes a start or an end; true when the entry is a start (not a timeline line of its own). */
  track(entry: ReplayEntry): boolean {
    if (entry.started !== undefined) {
      this.open.set(entry.started.call, entry);
      return true;
    }
    if (entry.call?.call !== undefined) this.open.delete(entry.call.call);
    return false;
  }

  /** One line per call that never finished. */
  lines(): string[] {
    return [...this.open.values()].map(({ source, line, started }) => {
      const about = aboutInput(started!.input);
      return `${started!.at} ${started!.dialect} ${started!.operation}${about === '' ? '' : ` (${about})`} started at ${source}:${line} by pid ${started!.pid} and never finished (killed?)`;
    });
  }
}

/** One timeline line per call: when, operation, what about, exit status, duration, and each provider call with its outcome. */
export function timelineLine(entry: ReplayEntry): string {
  if (entry.call === undefined) return `${entry.source}:${entry.line} (torn line: a process killed or a disk full while writing it)`;
  const call = entry.call;
  const about = aboutInput(call.input);
  const ports = call.provider.map((p) => `${p.method} ${p.pending ? 'pending' : p.error === undefined ? 'ok' : `error "${p.error.message}"`}`);
  const answer = call.exitCode === 0 ? '' : ` "${String((call.answer as { message?: unknown } | null)?.message ?? '')}"`;
  return `${call.at} ${call.dialect} ${call.operation}${about === '' ? '' : ` (${about})`} exit ${call.exitCode}${answer} ${call.durationMs ?? '?'} ms${ports.length === 0 ? '' : ` | provider: ${ports.join('; ')}`}`;
}

interface RequestRow {
  id: string;
  kind: 'acquire' | 'return';
  template: string;
  asked: number;
  status: string;
  machines: Set<string>;
}

/** Requests and machines as the recorded answers left them. */
export class RecordingSummary {
  private readonly requests = new Map<string, RequestRow>();
  private readonly machines = new Map<string, { name: string; status: string; result: string; request: string }>();
  calls = 0;
  failed = 0;
  torn = 0;

  readonly open = new OpenCalls();

  add(entry: ReplayEntry): void {
    if (this.open.track(entry)) return;
    if (entry.call === undefined) {
      this.torn += 1;
      return;
    }
    const call: RecordedCall = entry.call;
    this.calls += 1;
    if (call.exitCode !== 0) this.failed += 1;
    const input = (call.input ?? {}) as Record<string, any>;
    const answer = (call.answer ?? {}) as Record<string, any>;
    if (call.exitCode !== 0) return;
    if (call.operation === 'requestMachines' && typeof answer.requestId === 'string') {
      this.requests.set(answer.requestId, { id: answer.requestId, kind: 'acquire', template: String(input.template?.templateId ?? ''), asked: Number(input.template?.machineCount ?? 0), status: 'running', machines: new Set() });
    }
    if (call.operation === 'requestReturnMachines' && typeof answer.requestId === 'string') {
      const names = Array.isArray(input.machines) ? input.machines.map((m: any) => String(m?.name ?? m?.machineId ?? '')) : [];
      this.requests.set(answer.requestId, { id: answer.requestId, kind: 'return', template: '', asked: names.length, status: 'running', machines: new Set(names) });
    }
    if (call.operation === 'getReturnRequests') this.markReturned(answer);
    if (call.operation === 'getRequestStatus' && Array.isArray(answer.requests)) {
      for (const r of answer.requests) {
        const row = this.requests.get(String(r?.requestId)) ?? { id: String(r?.requestId), kind: 'acquire' as const, template: '', asked: 0, status: '', machines: new Set<string>() };
        row.status = String(r?.status ?? '');
        for (const m of Array.isArray(r?.machines) ? r.machines : []) {
          const id = String(m?.machineId ?? m?.name ?? '');
          row.machines.add(id);
          this.machines.set(id, { name: String(m?.name ?? ''), status: String(m?.status ?? ''), result: String(m?.result ?? ''), request: row.id });
        }
        this.requests.set(row.id, row);
      }
    }
  }

  /** getReturnRequests: the hosts the provider asked Symphony to give back. */
  private markReturned(answer: Record<string, any>): void {
    for (const r of Array.isArray(answer.requests) ? answer.requests : []) {
      const name = String(r?.machine ?? '');
      for (const [id, m] of this.machines) if (m.name === name || id === r?.machineId) m.status = `${m.status}, asked back by getReturnRequests`;
    }
  }

  /** The summary as text: counts, then one row per request and per machine. */
  text(): string {
    const interrupted = this.open.lines();
    const lines = [`${this.calls} call(s), ${this.failed} failed, ${interrupted.length} interrupted, ${this.torn} torn line(s); ${this.requests.size} request(s), ${this.machines.size} machine(s)`];
    if (interrupted.length > 0) lines.push('', 'INTERRUPTED', ...interrupted.map((l) => `  ${l}`));
    lines.push('', 'REQUESTS');
    for (const r of this.requests.values()) lines.push(`  ${r.id} ${r.kind}${r.template === '' ? '' : ` ${r.template}`} asked ${r.asked} status ${r.status} machines ${r.machines.size}`);
    lines.push('', 'MACHINES');
    for (const [id, m] of this.machines) lines.push(`  ${id} ${m.name} ${m.status}/${m.result} (request ${m.request})`);
    return lines.join('\n');
  }
}
