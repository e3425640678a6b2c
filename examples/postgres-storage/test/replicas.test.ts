import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTemplate, SyncRequest, createHostFactory, type HostFactory, type ReadModelDocument, type ReadModelStore } from 'hostfactory-kernel';
import { type MachineSnapshot, type RequestSnapshot } from 'hostfactory-kernel/storage';
import { createInMemoryStorage } from 'hostfactory-kernel/testing';
import { createPostgresStorage, type PostgresStorage } from '../index';
import { buildScript } from './support/build-script';
import { jsonResult, startNode } from './support/child-process';
import { loggedEvents, outboxProblems, peakCommittedUnits, versionProblems } from './support/invariants';
import { dropSchema, PG_URL, postgresAvailability, uniqueName } from './support/services';
import { SharedCloud } from './support/shared-cloud';

const pgState = await postgresAvailability();

const WORKERS = 4;
const DURATION_MS = 5000;
const TEMPLATE = 'shared';
const MAX_NUMBER = 5;

type Outcomes = Record<string, Record<string, number>>;

/** Every document of a collection, by id. */
async function allDocuments(store: ReadModelStore, collection: string): Promise<Map<string, ReadModelDocument>> {
  const found = new Map<string, ReadModelDocument>();
  for (let offset = 0; ; offset += 1000) {
    const page = await store.query(collection, { limit: 1000, offset });
    for (const doc of page.items) found.set(doc.id, doc);
    if (page.items.length < 1000) return found;
  }
}

describe.skipIf(pgState.skip)('four replicas on one PostgreSQL', () => {
  const schema = uniqueName('hf_replicas');
  let pool: pg.Pool;
  let storage: PostgresStorage;
  let hf: HostFactory;
  let script: string;
  let outcomes: Outcomes[] = [];
  let conflicts = 0;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: PG_URL, max: 6 });
    storage = await createPostgresStorage({ pool, schema });
    await SharedCloud.install(pool, schema);
    hf = createHostFactory({ storage, provider: new SharedCloud(pool, schema) });
    await hf.commands.execute(
      CreateTemplate.from({
        template: { templateId: TEMPLATE, maxNumber: MAX_NUMBER, vmType: 'm5.large', attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] } },
      }),
    );
    script = await buildScript(new URL('./support/replica-worker.ts', import.meta.url).pathname, 'replica-worker');

    const children = Array.from({ length: WORKERS }, (_, worker) =>
      startNode(script, { PG_URL, SCHEMA: schema, TEMPLATE_ID: TEMPLATE, DURATION_MS: String(DURATION_MS), WORKER: String(worker) }),
    );
    const results = await Promise.all(children.map((child) => jsonResult<{ outcomes: Outcomes; conflicts: number }>(child)));
    outcomes = results.map((r) => r.outcomes);
    conflicts = results.reduce((n, r) => n + r.conflicts, 0);
    if (process.env.HOSTFACTORY_TEST_VERBOSE) console.log(JSON.stringify({ outcomes, conflicts }));

    // Settle: sync every request still open until the shared cloud has nothing left to report.
    for (let round = 0; round < 10; round += 1) {
      const { rows } = await pool.query<{ id: string }>(`SELECT id FROM ${storage.tables.requests} WHERE status IN ('pending', 'in_progress')`);
      if (rows.length === 0) break;
      for (const { id } of rows) await hf.commands.execute(SyncRequest.from({ requestId: id }));
    }
    await hf.catchUp();
  }, 90_000);

  afterAll(async () => {
    hf?.dispose();
    if (script !== undefined) rmSync(dirname(script), { recursive: true, force: true });
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('ran every kind of command concurrently, and nothing failed unexpectedly', () => {
    const total = (command: string, outcome: string): number => outcomes.reduce((n, o) => n + (o[command]?.[outcome] ?? 0), 0);
    const unexpected = outcomes.flatMap((o) =>
      Object.entries(o).flatMap(([command, byOutcome]) =>
        Object.keys(byOutcome)
          .filter((outcome) => !['ok', 'nothing open', 'nothing running', 'CONCURRENCY_CONFLICT', 'TEMPLATE_CAPACITY_EXCEEDED', 'MACHINE_NOT_FOUND'].includes(outcome))
          .map((outcome) => `${command}: ${outcome}`),
      ),
    );
    expect(unexpected).toEqual([]);
    expect(total('RequestMachines', 'ok')).toBeGreaterThan(0);
    expect(total('RequestMachines', 'TEMPLATE_CAPACITY_EXCEEDED')).toBeGreaterThan(0);
    expect(total('SyncRequest', 'ok')).toBeGreaterThan(0);
    expect(total('RequestReturnMachines', 'ok')).toBeGreaterThan(0);
  });

  it('holds every event exactly once, at gapless positions', async () => {
    const events = await loggedEvents(pool, storage.tables);
    expect(events.length).toBeGreaterThan(50);
    expect(outboxProblems(events)).toEqual([]);
  });

  it('never let committed units exceed the template maximum at any commit', async () => {
    const peak = peakCommittedUnits(await loggedEvents(pool, storage.tables), TEMPLATE);
    expect(peak.units).toBeGreaterThan(0);
    expect(peak.units).toBeLessThanOrEqual(MAX_NUMBER);
  });

  it('moved every aggregate through monotonic versions ending at the stored one', async () => {
    const t = storage.tables;
    const { rows } = await pool.query<{ key: string; version: number }>(
      `SELECT 'Template:' || id AS key, version FROM ${t.templates} UNION ALL SELECT 'Request:' || id, version FROM ${t.requests} UNION ALL SELECT 'Machine:' || id, version FROM ${t.machines}`,
    );
    expect(versionProblems(await loggedEvents(pool, t), new Map(rows.map((r) => [r.key, r.version])))).toEqual([]);
  });

  it('lost no machine and attached none twice', async () => {
    const t = storage.tables;
    const cloud = (await pool.query<{ machine_id: string; request_id: string; status: string }>(`SELECT * FROM "${schema}".cloud_machines`)).rows;
    const machines = (await pool.query<{ snapshot: MachineSnapshot }>(`SELECT snapshot FROM ${t.machines}`)).rows.map((r) => r.snapshot);
    const requests = (await pool.query<{ snapshot: RequestSnapshot }>(`SELECT snapshot FROM ${t.requests} WHERE type = 'acquire'`)).rows.map((r) => r.snapshot);
    expect(cloud.length).toBeGreaterThan(0);
    const byId = new Map(machines.map((m) => [m.machineId, m]));
    for (const c of cloud) {
      expect(byId.get(c.machine_id)?.requestId, `cloud machine ${c.machine_id}`).toBe(c.request_id);
      expect(byId.get(c.machine_id)?.status, `status of ${c.machine_id}`).toBe(c.status);
    }
    expect(machines.length).toBe(cloud.length);
    const owners = new Map<string, string[]>();
    for (const r of requests) for (const id of r.machineIds) owners.set(id, [...(owners.get(id) ?? []), r.requestId]);
    for (const m of machines) expect(owners.get(m.machineId), `requests attaching ${m.machineId}`).toEqual([m.requestId]);
    expect([...owners.keys()].filter((id) => !byId.has(id))).toEqual([]);
  });

  it('has live read models equal to the ones rebuilt from the outbox', async () => {
    // A second host factory over the same event log, with read models of its own, rebuilds them from the whole log.
    const replay = createInMemoryStorage();
    const rebuilder = createHostFactory({ storage: { unitOfWork: storage.unitOfWork, eventLog: storage.eventLog, readModels: replay.readModels }, provider: new SharedCloud(pool, schema) });
    try {
      await rebuilder.rebuildReadModels();
    } finally {
      rebuilder.dispose();
    }
    // The library's own read-model collections, by the names an adapter sees in `ReadModelStore` calls.
    for (const collection of ['templates', 'requests', 'machines']) {
      const live = await allDocuments(storage.readModels, collection);
      const rebuilt = await allDocuments(replay.readModels, collection);
      expect(live.size, `${collection} documents`).toBeGreaterThan(0);
      expect(live.size, `${collection} documents`).toBe(rebuilt.size);
      expect(Object.fromEntries(live), collection).toEqual(Object.fromEntries(rebuilt));
    }
  });
});
