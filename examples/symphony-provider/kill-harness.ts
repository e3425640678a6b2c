/**
 * The process-death campaign's tools: seeded kill points, a script run that is SIGKILLed after a
 * delay, Symphony's view of what it was told, and read-only looks at the simulated cloud and at
 * storage for the invariants. Used by `kill-campaign.test.ts`.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHostFactory, ListMachines, ListRequests, ListTemplates } from 'hostfactory-kernel';
import { createSqliteStorage } from '../sqlite-storage/sqlite-storage';
import type { SymphonyDriver } from './driver';
import { createSimulatedCloud } from './simulated-cloud';

/** The five operations, in the order the campaign cycles through them. */
export const KILLED_OPERATIONS = ['getAvailableTemplates', 'requestMachines', 'getRequestStatus', 'requestReturnMachines', 'getReturnRequests'] as const;
export type KilledOperation = (typeof KILLED_OPERATIONS)[number];
/** A script of the example: one of the five operations, or `reconcile` (for cron). */
export type ScriptName = KilledOperation | 'reconcile';

/** The campaign's seed: `KILL_SEED` when set (to replay a run), else a fresh one. */
export function campaignSeed(env: Readonly<Record<string, string | undefined>>): number {
  const given = env.KILL_SEED;
  if (given !== undefined && given.trim() !== '') {
    const seed = Number(given);
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`KILL_SEED must be a whole number >= 0, got ${given}`);
    return seed >>> 0;
  }
  return Math.floor(Math.random() * 2 ** 32) >>> 0;
}

/** mulberry32: numbers in [0, 1), the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** What one script run gave: killed, or its exit status and document. */
export interface RunOutcome {
  readonly killed: boolean;
  readonly exitCode: number | null;
  readonly document: Record<string, unknown> | undefined;
  readonly elapsedMs: number;
}

let inputs = 0;

/** A running provider script: `kill()` sends SIGKILL; `done` settles when the process has ended. */
export interface RunningScript {
  kill(): void;
  readonly done: Promise<RunOutcome>;
}

/** Starts one provider script with `input` as its `-f` file. */
export function startScript(driver: SymphonyDriver, operation: ScriptName, input: unknown, env: Record<string, string> = {}): RunningScript {
  inputs += 1;
  const file = join(driver.root, 'inputs', `kill-${process.pid}-${inputs}.json`);
  writeFileSync(file, JSON.stringify(input));
  const started = performance.now();
  const child = spawn(join(driver.scriptsDir, `${operation}.sh`), ['-f', file], { env: { ...driver.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const done = new Promise<RunOutcome>((resolve) => {
    child.once('close', (code, signal) => {
      let document: Record<string, unknown> | undefined;
      try {
        document = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        document = undefined;
      }
      resolve({ killed: signal === 'SIGKILL', exitCode: code, document, elapsedMs: performance.now() - started });
    });
  });
  return { kill: () => void child.kill('SIGKILL'), done };
}

/** Runs one provider script and SIGKILLs it after `killAfterMs` (unless it ended first); `Infinity` never kills. */
export async function runScript(driver: SymphonyDriver, operation: ScriptName, input: unknown, killAfterMs: number, env: Record<string, string> = {}): Promise<RunOutcome> {
  const script = startScript(driver, operation, input, env);
  const timer = Number.isFinite(killAfterMs) ? setTimeout(() => script.kill(), killAfterMs) : undefined;
  try {
    return await script.done;
  } finally {
    clearTimeout(timer);
  }
}

/** What Symphony knows: the request ids it was answered, and the hosts it holds. */
export class SymphonyView {
  /** Acquire request id → machines asked for. */
  readonly acquired = new Map<string, number>();
  readonly returns = new Set<string>();
  /** Host name → machine id, for machines a status answer reported `succeed` in an acquire request. */
  readonly held = new Map<string, string>();

  /** Records what a completed (not killed) call answered. */
  learn(operation: KilledOperation, input: unknown, outcome: RunOutcome): void {
    const doc = outcome.document;
    if (outcome.killed || outcome.exitCode !== 0 || doc === undefined) return;
    if (operation === 'requestMachines') this.acquired.set(String(doc.requestId), (input as { template: { machineCount: number } }).template.machineCount);
    if (operation === 'requestReturnMachines') {
      this.returns.add(String(doc.requestId));
      for (const { name } of (input as { machines: { name: string }[] }).machines) this.held.delete(name);
    }
    if (operation === 'getRequestStatus') {
      for (const entry of doc.requests as { requestId: string; machines: { name: string; machineId: string; result: string }[] }[]) {
        if (!this.acquired.has(entry.requestId)) continue;
        for (const m of entry.machines) if (m.result === 'succeed' && m.name !== '') this.held.set(m.name, m.machineId);
      }
    }
  }
}

/** One machine as the simulated cloud has it: `alive` while it is not terminated and did not fail to launch. */
export interface CloudMachine {
  readonly machineId: string;
  readonly requestId: string;
  readonly alive: boolean;
  readonly failed: boolean;
}

/** Every machine the simulated cloud ever launched (read-only look at its tables). */
export function cloudMachines(database: string): CloudMachine[] {
  const db = new Database(database, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT machine_id, request_id, fails, terminate_at FROM sim_machines').all() as { machine_id: string; request_id: string; fails: number; terminate_at: number | null }[];
    return rows.map((r) => ({ machineId: r.machine_id, requestId: r.request_id, failed: r.fails === 1, alive: r.fails === 0 && r.terminate_at === null }));
  } finally {
    db.close();
  }
}

/** What storage says, read through the library's queries (read models caught up first). */
export interface StorageState {
  readonly openRequests: { requestId: string; type: string; status: string }[];
  /** Every acquire request storage has, open or closed. */
  readonly acquireRequestIds: string[];
  /** Machine id → status, for machines not yet terminated or failed. */
  readonly liveMachines: Map<string, string>;
  readonly capacity: { templateId: string; maxNumber: number; availableNumber: number }[];
}

/** Reads storage in the test process, on the same file, without touching the cloud. */
export async function storageState(database: string): Promise<StorageState> {
  const storage = createSqliteStorage({ filename: database });
  const cloud = createSimulatedCloud({ filename: database });
  const hostFactory = createHostFactory({ storage, provider: cloud });
  try {
    await hostFactory.catchUp();
    const { queries } = hostFactory;
    const requests = (await queries.execute(ListRequests.from({ limit: 1000 }))).items;
    const machines = (await queries.execute(ListMachines.from({ limit: 1000 }))).items;
    const templates = await queries.execute(ListTemplates.from({ activeOnly: true }));
    return {
      openRequests: requests.filter((r) => r.status === 'pending' || r.status === 'in_progress').map((r) => ({ requestId: r.requestId, type: r.type, status: r.status })),
      acquireRequestIds: requests.filter((r) => r.type === 'acquire').map((r) => r.requestId),
      liveMachines: new Map(machines.filter((m) => m.status !== 'terminated' && m.status !== 'failed').map((m) => [m.machineId, m.status])),
      capacity: templates.map((t) => ({ templateId: t.templateId, maxNumber: t.maxNumber, availableNumber: t.availableNumber })),
    };
  } finally {
    hostFactory.dispose();
    cloud.close();
    storage.close();
  }
}

/** Requests the cloud launched more working machines for than Symphony asked (a double provision). */
export function provisionedTwice(view: SymphonyView, cloud: readonly CloudMachine[]): string[] {
  const launched = new Map<string, number>();
  for (const m of cloud) if (!m.failed) launched.set(m.requestId, (launched.get(m.requestId) ?? 0) + 1);
  return [...view.acquired].filter(([requestId, asked]) => (launched.get(requestId) ?? 0) > asked).map(([requestId]) => requestId);
}
