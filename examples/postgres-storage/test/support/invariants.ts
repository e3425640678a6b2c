import type pg from 'pg';
import { holdsCapacity } from 'hostfactory-kernel/storage';
import { type DomainEvent, type MachineStatus, type RequestStatus } from 'hostfactory-kernel';
import type { SchemaTables } from '../../sql';

/** A row of the events table with the transaction that committed it. */
export interface LoggedEvent {
  readonly position: number;
  readonly transactionId: string;
  readonly event: DomainEvent;
}

/** Every committed event in position order, with its committing transaction. */
export async function loggedEvents(pool: pg.Pool, t: SchemaTables): Promise<LoggedEvent[]> {
  const { rows } = await pool.query<{ position: string; transaction_id: string; event: DomainEvent }>(
    `SELECT position, transaction_id::text, event FROM ${t.events} ORDER BY position`,
  );
  return rows.map((r) => ({ position: Number(r.position), transactionId: r.transaction_id, event: r.event }));
}

/** Problems with the outbox itself: positions must be 1…n without gaps, event ids unique. */
export function outboxProblems(events: readonly LoggedEvent[]): string[] {
  const problems: string[] = [];
  events.forEach((e, i) => {
    if (e.position !== i + 1) problems.push(`position ${e.position} found where ${i + 1} was expected`);
  });
  const ids = new Set(events.map((e) => e.event.eventId));
  if (ids.size !== events.length) problems.push(`${events.length - ids.size} duplicate event ids`);
  return problems;
}

/**
 * Problems with aggregate versions as the log tells them: per aggregate, versions start at 1 and
 * never go back or jump (events of one change share a version), and the last one is the stored one.
 */
export function versionProblems(events: readonly LoggedEvent[], stored: ReadonlyMap<string, number>): string[] {
  const last = new Map<string, number>();
  const problems: string[] = [];
  for (const { position, event } of events) {
    const key = `${event.aggregateType}:${event.aggregateId}`;
    const previous = last.get(key) ?? 0;
    if (event.aggregateVersion !== previous && event.aggregateVersion !== previous + 1) {
      problems.push(`${key} went from version ${previous} to ${event.aggregateVersion} at position ${position}`);
    }
    last.set(key, event.aggregateVersion);
  }
  for (const [key, version] of stored) {
    if (last.get(key) !== version) problems.push(`${key} is stored at version ${version} but its last event says ${String(last.get(key))}`);
  }
  return problems;
}

/**
 * Replays the log and, after every committed transaction, counts the template's units the way
 * admission does (live machines plus what open acquire requests still expect, 1 unit per machine).
 * Returns the highest count seen and where.
 */
export function peakCommittedUnits(events: readonly LoggedEvent[], templateId: string): { units: number; position: number } {
  const requests = new Map<string, { templateId: string | null; acquire: boolean; requestedCount: number; status: RequestStatus }>();
  const machines = new Map<string, { requestId: string; templateId: string; status: MachineStatus }>();
  const units = (): number => {
    let total = 0;
    const attached = new Map<string, number>();
    for (const m of machines.values()) {
      attached.set(m.requestId, (attached.get(m.requestId) ?? 0) + 1);
      if (m.templateId === templateId && holdsCapacity(m.status)) total += 1;
    }
    for (const [id, r] of requests) {
      if (r.templateId === templateId && r.acquire && (r.status === 'pending' || r.status === 'in_progress')) {
        total += Math.max(0, r.requestedCount - (attached.get(id) ?? 0));
      }
    }
    return total;
  };
  let peak = { units: 0, position: 0 };
  events.forEach(({ event: e, position, transactionId }, i) => {
    if (e.type === 'RequestCreated') {
      const r = e.data.request;
      requests.set(e.aggregateId, { templateId: r.templateId, acquire: r.type === 'acquire', requestedCount: r.requestedCount, status: r.status });
    } else if (e.type === 'RequestStatusChanged') {
      const r = requests.get(e.aggregateId);
      if (r !== undefined) r.status = e.data.to;
    } else if (e.type === 'MachineCreated') {
      const m = e.data.machine;
      machines.set(e.aggregateId, { requestId: m.requestId, templateId: m.templateId, status: m.status });
    } else if (e.type === 'MachineStatusChanged') {
      const m = machines.get(e.aggregateId);
      if (m !== undefined) m.status = e.data.to;
    }
    if (events[i + 1]?.transactionId !== transactionId) {
      const now = units();
      if (now > peak.units) peak = { units: now, position };
    }
  });
  return peak;
}
