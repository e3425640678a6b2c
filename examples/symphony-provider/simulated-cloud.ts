import Database from 'better-sqlite3';
import { REQUEST_TAG } from '../aws-provider/tags';
import type {
  CancelProvisionInput,
  CancelProvisionResult,
  DescribeInput,
  ProviderMachine,
  ProviderPort,
  ProvisionInput,
  ProvisionResult,
  ReclaimNotice,
  TerminateInput,
  TerminateResult,
  TemplateSnapshot,
} from 'hostfactory-kernel';

/**
 * A pretend cloud for the example provider. Its state lives in SQLite tables next to the host
 * factory's own (same file), so it works across processes exactly like a real cloud would: every
 * Symphony call is a new process. A machine's status is a pure function of its row and the time,
 * so any process computes the same answer.
 *
 * Per-template knobs, read from the template's provider configuration:
 * - `simBootSeconds` (default 2): pending → running after this long;
 * - `simFailureRate` (0–1, default 0): that share of launches fail, spread evenly and deterministically;
 * - `simTerminateSeconds` (default 1): shutting-down → terminated after this long;
 * - `simReclaimAfterSeconds` (spot templates only): running machines get a reclaim notice after this
 *   long, with `simReclaimGraceSeconds` (default 120) of grace.
 *
 * `cancelProvision` terminates every machine of the request that is not failed or already
 * terminating (the simulated fleet launches everything at provision, so nothing else is left).
 */
export interface SimulatedCloud extends ProviderPort {
  close(): void;
}

/** Options of {@link createSimulatedCloud}. */
export interface SimulatedCloudOptions {
  /** The SQLite file (the host factory's own database file is fine). */
  filename: string;
  /** Milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
  /** Test hook: a provision for this template launches its machines, then never answers (to kill the process mid-command). */
  hangOnTemplate?: string;
  /** Milliseconds a provision takes to answer after launching the machines, as a real cloud's API call does (default 0). */
  answerDelayMs?: number;
  /** better-sqlite3's `nativeBinding`: the addon's path (default: better-sqlite3's own search). */
  nativeBinding?: string;
  /** Domain of the machines' host names (default `sim.internal`); clouds side by side need different ones. */
  hostDomain?: string;
  /** Test hook: every provision throws this capacity error and launches nothing (a region out of capacity). */
  refuseProvision?: string;
}

interface MachineRow {
  tags: string;
  machine_id: string;
  request_id: string;
  template_id: string;
  idx: number;
  seq: number;
  instance_type: string;
  price_type: 'ondemand' | 'spot';
  launched_at: number;
  fails: number;
  terminate_at: number | null;
  boot_ms: number;
  terminate_ms: number;
  reclaim_after_ms: number | null;
  reclaim_grace_s: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sim_requests (
  request_id TEXT PRIMARY KEY,
  template_id TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  tags TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sim_machines (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  machine_id TEXT NOT NULL UNIQUE,
  request_id TEXT NOT NULL,
  template_id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  instance_type TEXT NOT NULL,
  price_type TEXT NOT NULL,
  launched_at INTEGER NOT NULL,
  fails INTEGER NOT NULL,
  terminate_at INTEGER,
  boot_ms INTEGER NOT NULL,
  terminate_ms INTEGER NOT NULL,
  reclaim_after_ms INTEGER,
  reclaim_grace_s INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sim_machines_request ON sim_machines(request_id);
`;

/** Opens (and creates if needed) the simulated cloud's tables in `filename`. */
export function createSimulatedCloud(options: SimulatedCloudOptions): SimulatedCloud {
  const db = new Database(options.filename, options.nativeBinding === undefined ? {} : { nativeBinding: options.nativeBinding });
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  const now = options.now ?? Date.now;
  const domain = options.hostDomain ?? 'sim.internal';
  const select = 'SELECT m.*, r.tags FROM sim_machines m JOIN sim_requests r ON r.request_id = m.request_id';
  const byRequest = db.prepare<[string], MachineRow>(`${select} WHERE m.request_id = ? ORDER BY m.idx`);
  const byId = db.prepare<[string], MachineRow>(`${select} WHERE m.machine_id = ?`);

  const provisionTx = db.transaction((input: ProvisionInput): void => {
    const known = db.prepare('SELECT 1 FROM sim_requests WHERE request_id = ?').get(input.requestId);
    if (known !== undefined) return; // idempotent per request id
    const at = now();
    const template = input.template;
    const config = template.providerConfig;
    const resourceId = `fleet-${input.requestId.slice(4, 12)}`;
    const tags = { ...template.instanceTags, ...input.tags, [REQUEST_TAG]: input.requestId };
    db.prepare('INSERT INTO sim_requests (request_id, template_id, resource_id, tags, created_at) VALUES (?, ?, ?, ?, ?)').run(
      input.requestId, template.templateId, resourceId, JSON.stringify(tags), at,
    );
    const insert = db.prepare(`INSERT INTO sim_machines (machine_id, request_id, template_id, idx, instance_type, price_type, launched_at, fails,
      terminate_at, boot_ms, terminate_ms, reclaim_after_ms, reclaim_grace_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)`);
    const rate = clamp(numberOf(config.simFailureRate, 0), 0, 1);
    const spot = template.priceType !== 'ondemand';
    const types = instanceTypes(template, input.count);
    types.forEach((instanceType, idx) => {
      const fails = Math.floor((idx + 1) * rate) > Math.floor(idx * rate) ? 1 : 0;
      const reclaimAfter = spot && config.simReclaimAfterSeconds !== undefined ? numberOf(config.simReclaimAfterSeconds, 0) * 1000 : null;
      const placeholder = `pending-${input.requestId}-${idx}`;
      const { lastInsertRowid } = insert.run(
        placeholder, input.requestId, template.templateId, idx, instanceType, spot ? 'spot' : 'ondemand', at, fails,
        numberOf(config.simBootSeconds, 2) * 1000, numberOf(config.simTerminateSeconds, 1) * 1000, reclaimAfter, numberOf(config.simReclaimGraceSeconds, 120),
      );
      const seq = Number(lastInsertRowid);
      db.prepare('UPDATE sim_machines SET machine_id = ? WHERE seq = ?').run(`i-sim${seq.toString(16).padStart(12, '0')}`, seq);
    });
  });

  return {
    async provision(input: ProvisionInput): Promise<ProvisionResult> {
      if (options.refuseProvision !== undefined) throw new Error(options.refuseProvision);
      // IMMEDIATE: the transaction reads before it writes; a deferred one would fail at once with
      // SQLITE_BUSY_SNAPSHOT under parallel calls instead of waiting out the busy timeout.
      provisionTx.immediate(input);
      if (options.answerDelayMs !== undefined && options.answerDelayMs > 0) await new Promise((r) => setTimeout(r, options.answerDelayMs));
      if (options.hangOnTemplate !== undefined && input.template.templateId === options.hangOnTemplate) {
        // The cloud has launched the machines but its answer never arrives (the process is then killed).
        await new Promise(() => setInterval(() => undefined, 60_000));
      }
      const resource = db.prepare<[string], { resource_id: string }>('SELECT resource_id FROM sim_requests WHERE request_id = ?').get(input.requestId);
      return { resourceIds: resource === undefined ? [] : [resource.resource_id], machines: byRequest.all(input.requestId).map((row) => view(row, now(), domain)) };
    },
    async describe(input: DescribeInput): Promise<ProviderMachine[]> {
      const at = now();
      const rows = new Map(byRequest.all(input.requestId).map((row) => [row.machine_id, row]));
      for (const id of input.machineIds) {
        const row = byId.get(id);
        if (row !== undefined) rows.set(id, row);
      }
      return [...rows.values()].map((row) => view(row, at, domain));
    },
    async terminate(input: TerminateInput): Promise<TerminateResult> {
      const at = now();
      const mark = db.prepare('UPDATE sim_machines SET terminate_at = ? WHERE machine_id = ? AND terminate_at IS NULL');
      db.transaction(() => {
        for (const id of input.machineIds) mark.run(at, id);
      }).immediate();
      return { accepted: [...input.machineIds], failed: [] };
    },
    async cancelProvision(input: CancelProvisionInput): Promise<CancelProvisionResult> {
      const at = now();
      const released = db.transaction((): string[] => {
        const live = db.prepare<[string], { machine_id: string }>('SELECT machine_id FROM sim_machines WHERE request_id = ? AND terminate_at IS NULL AND fails = 0').all(input.requestId);
        db.prepare('UPDATE sim_machines SET terminate_at = ? WHERE request_id = ? AND terminate_at IS NULL AND fails = 0').run(at, input.requestId);
        return live.map((row) => row.machine_id);
      }).immediate();
      return { released };
    },
    async reclaimNotices(): Promise<ReclaimNotice[]> {
      const at = now();
      const rows = db.prepare<[], MachineRow>(`${select} WHERE m.reclaim_after_ms IS NOT NULL AND m.terminate_at IS NULL AND m.fails = 0`).all();
      return rows
        .filter((row) => at >= row.launched_at + row.boot_ms + (row.reclaim_after_ms ?? 0))
        .map((row) => {
          const noticeAt = row.launched_at + row.boot_ms + (row.reclaim_after_ms ?? 0);
          return {
            machineId: row.machine_id,
            name: hostName(row.seq, domain),
            gracePeriod: Math.max(0, row.reclaim_grace_s - Math.floor((at - noticeAt) / 1000)),
            reason: 'Spot instance interruption notice (simulated).',
          };
        });
    },
    close() {
      db.close();
    },
  };
}

/** The machine as the cloud sees it at `at`. */
function view(row: MachineRow, at: number, domain: string): ProviderMachine {
  const base = {
    machineId: row.machine_id,
    name: hostName(row.seq, domain),
    resourceId: `fleet-${row.request_id.slice(4, 12)}`,
    instanceType: row.instance_type,
    priceType: row.price_type,
    cloudHostId: null,
    privateIpAddress: `10.0.${(row.seq >> 8) & 255}.${row.seq & 255}`,
    launchTime: new Date(row.launched_at),
    instanceTags: JSON.parse(row.tags) as Record<string, string>,
  };
  if (row.terminate_at !== null) {
    return at >= row.terminate_at + row.terminate_ms
      ? { ...base, status: 'terminated', statusReason: 'Terminated on request.' }
      : { ...base, status: 'shutting-down', statusReason: 'Termination requested.' };
  }
  if (at < row.launched_at + row.boot_ms) return { ...base, status: 'pending' };
  if (row.fails === 1) return { ...base, status: 'failed', statusReason: 'Simulated launch failure: InsufficientInstanceCapacity.', privateIpAddress: null };
  return { ...base, status: 'running', publicIpAddress: `203.0.113.${row.seq & 255}` };
}

function hostName(seq: number, domain: string): string {
  return `ip-10-0-${(seq >> 8) & 255}-${seq & 255}.${domain}`;
}

/** One instance type per machine: covers `count` units with the template's first weighted type. */
function instanceTypes(template: TemplateSnapshot, count: number): string[] {
  if (template.priceType === 'ondemand' || template.vmTypes === null) {
    return Array.from({ length: count }, () => template.vmType ?? Object.keys(template.vmTypes ?? {})[0] ?? 'sim.small');
  }
  const [type, weight] = Object.entries(template.vmTypes)[0] ?? ['sim.small', 1];
  return Array.from({ length: Math.ceil(count / weight) }, () => type);
}

function numberOf(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
