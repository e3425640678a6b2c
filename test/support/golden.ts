import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import {
  GetRequestStatus,
  ListMachines,
  ListRequests,
  SyncRequest,
  createHostFactory,
  type HostFactory,
  type MachineStatus,
  type ProviderMachine,
  type ProviderPort,
  type Storage,
} from '../../src/index';
import { formatGetRequestStatusOutput, formatRequestStatusEntry } from '../../src/hostfactory/output';
import { ManualClock } from '../../src/testing/index';

/*
 * The golden stored data of earlier releases (test/fixtures/golden/<release>/, written by
 * scripts/golden/generate.mjs from the git history) and the checks every storage runs on it.
 */

/** Where the fixtures are. */
export const GOLDEN_DIR = join(import.meta.dirname, '..', 'fixtures', 'golden');

/** The schema name the PostgreSQL dumps use; a test restores them into a schema of its own. */
export const GOLDEN_SCHEMA = 'golden_fixture_schema';

/** Every release with a fixture, oldest first. */
export const GOLDEN_RELEASES: readonly string[] = readdirSync(GOLDEN_DIR).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

/** A machine as the release's fake cloud held it when the cycle ended. */
interface CloudMachine extends Omit<ProviderMachine, 'launchTime'> {
  readonly requestId: string;
  readonly launchTime: string | null;
}

/** What a release answered at the end of its cycle (answers.json). */
export interface GoldenAnswers {
  readonly release: string;
  readonly commit: string;
  readonly requestIds: readonly string[];
  readonly openRequestIds: readonly string[];
  readonly getRequestStatus: Readonly<Record<string, Record<string, unknown>>>;
  /** The Symphony getRequestStatus document of every request (the provider's answer on the wire). */
  readonly getRequestStatusWire: Record<string, unknown>;
  readonly listRequests: Readonly<Record<'all' | 'acquire' | 'return', Record<string, unknown>>>;
  readonly clock: string;
  readonly cloud: readonly CloudMachine[];
}

/** The recorded answers of `release`. */
export function goldenAnswers(release: string): GoldenAnswers {
  return JSON.parse(readFileSync(join(GOLDEN_DIR, release, 'answers.json'), 'utf8')) as GoldenAnswers;
}

/**
 * The release's cloud, taken over where its cycle left it: it answers for the recorded machines
 * as they were until {@link settle}, which lets the cloud finish what it was doing (pending
 * machines run, machines shutting down are gone).
 */
export class GoldenCloud implements ProviderPort {
  readonly #machines: Map<string, CloudMachine>;

  constructor(machines: readonly CloudMachine[]) {
    this.#machines = new Map(machines.map((m) => [m.machineId, { ...m }]));
  }

  settle(): void {
    const next: Partial<Record<MachineStatus, MachineStatus>> = { pending: 'running', 'shutting-down': 'terminated', stopping: 'terminated' };
    for (const [id, machine] of this.#machines) this.#machines.set(id, { ...machine, status: next[machine.status] ?? machine.status });
  }

  async provision(): Promise<never> {
    throw new Error('the golden cycle continues old requests only; it provisions nothing');
  }

  async describe(input: { requestId: string; machineIds: readonly string[] }): Promise<ProviderMachine[]> {
    return [...this.#machines.values()]
      .filter((m) => m.requestId === input.requestId || input.machineIds.includes(m.machineId))
      .map(({ requestId: _r, launchTime, ...facts }) => ({ ...facts, launchTime: launchTime === null ? null : new Date(launchTime) }));
  }

  async terminate(input: { machineIds: readonly string[] }): Promise<{ accepted: string[]; failed: [] }> {
    for (const id of input.machineIds) {
      const machine = this.#machines.get(id);
      if (machine !== undefined && machine.status !== 'terminated') this.#machines.set(id, { ...machine, status: 'shutting-down' });
    }
    return { accepted: [...input.machineIds], failed: [] };
  }

  async reclaimNotices(): Promise<[]> {
    return [];
  }
}

const plain = (value: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

/** Every answer a user reads about the requests and machines, as JSON data. */
async function everyAnswer(factory: HostFactory, requestIds: readonly string[]): Promise<Record<string, unknown>> {
  const status: Record<string, unknown> = {};
  for (const requestId of requestIds) status[requestId] = plain(await factory.queries.execute(GetRequestStatus.from({ requestId })));
  return {
    status,
    requests: plain(await factory.queries.execute(ListRequests.from({ limit: 500 }))),
    machines: plain(await factory.queries.execute(ListMachines.from({ limit: 500 }))),
  };
}

/**
 * Runs the golden checks on `storage` opened on `release`'s stored data: the current build answers
 * GetRequestStatus and ListRequests with every field the release answered, unchanged (fields added
 * since are allowed), and formats the same Symphony getRequestStatus document; the open requests continue to completion against the release's cloud; and
 * rebuilding the read models from the log gives the same answers.
 */
export async function checkGoldenData(storage: Storage, release: string): Promise<void> {
  const answers = goldenAnswers(release);
  const cloud = new GoldenCloud(answers.cloud);
  const clock = new ManualClock(answers.clock);
  const factory = createHostFactory({ storage, provider: cloud, clock });
  try {
    const entries = [];
    for (const requestId of answers.requestIds) {
      const answer = await factory.queries.execute(GetRequestStatus.from({ requestId }));
      expect(plain(answer), `GetRequestStatus ${requestId} as ${release} answered it`).toMatchObject(answers.getRequestStatus[requestId]!);
      entries.push(formatRequestStatusEntry(answer));
    }
    // What Symphony reads is a contract: the same document, field for field.
    expect(plain(formatGetRequestStatusOutput(entries)), `the getRequestStatus document as ${release} wrote it`).toEqual(answers.getRequestStatusWire);
    for (const [name, query] of [['all', {}], ['acquire', { type: 'acquire' }], ['return', { type: 'return' }]] as const) {
      const now = plain(await factory.queries.execute(ListRequests.from(query)));
      expect(now, `ListRequests ${name} as ${release} answered it`).toMatchObject(answers.listRequests[name]);
    }

    clock.advance({ seconds: 30 });
    cloud.settle();
    for (const requestId of answers.openRequestIds) {
      const synced = await factory.commands.execute(SyncRequest.from({ requestId }));
      expect(synced.status, `${requestId} continued to completion`).toBe('completed');
      const status = await factory.queries.execute(GetRequestStatus.from({ requestId }));
      const wanted = synced.type === 'acquire' ? ['running', 'succeed'] : ['terminated', 'succeed'];
      expect(status.machines.map((m) => [m.status, m.result])).toEqual(status.machines.map(() => wanted));
    }

    const before = await everyAnswer(factory, answers.requestIds);
    await factory.rebuildReadModels();
    expect(factory.projectionStatus().filter((p) => p.error !== undefined)).toEqual([]);
    expect(await everyAnswer(factory, answers.requestIds), 'the read models rebuilt from the log answer the same').toEqual(before);
  } finally {
    factory.dispose();
  }
}
