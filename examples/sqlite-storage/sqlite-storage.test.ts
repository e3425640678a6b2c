import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CreateTemplate, GetRequestStatus, GetReturnRequests, ListMachines, ListRequests, ListReturnRequests, RequestMachines, RequestReturnMachines, SyncRequest, createHostFactory, isKernelError, type HostFactory, type Storage } from 'hostfactory-kernel';
import { Template, type ReadModelQuery } from 'hostfactory-kernel/storage';
import { FakeProvider, ManualClock } from 'hostfactory-kernel/testing';
import { runStorageContract } from 'hostfactory-kernel/testing/vitest';
import { compileQuery } from './read-model-store';
import { MIGRATIONS, SCHEMA_VERSION, createSqliteStorage, type SqliteStorage } from './sqlite-storage';
import { templateInput } from '../../test/support/templates';

const T0 = new Date('2026-01-01T00:00:00.000Z');

/** Temporary database files, removed after each test (and after each contract case). */
const scratch = { dirs: [] as string[], storages: [] as SqliteStorage[] };

function databaseFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hf-sqlite-'));
  scratch.dirs.push(dir);
  return join(dir, 'hostfactory.db');
}

function open(filename: string, options: { readonly?: boolean; busyTimeoutMs?: number } = {}): SqliteStorage {
  const storage = createSqliteStorage({ filename, ...options });
  scratch.storages.push(storage);
  return storage;
}

function cleanUp(): void {
  for (const storage of scratch.storages.splice(0)) storage.close();
  for (const dir of scratch.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

afterEach(cleanUp);

const contractDirs = new Map<SqliteStorage, string>();
runStorageContract<SqliteStorage>({
  name: 'sqlite adapter',
  create: () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-sqlite-contract-'));
    const storage = createSqliteStorage({ filename: join(dir, 'hostfactory.db') });
    contractDirs.set(storage, dir);
    return storage;
  },
  destroy: (storage) => {
    storage.close();
    rmSync(contractDirs.get(storage) ?? '', { recursive: true, force: true });
    contractDirs.delete(storage);
  },
});

function template(templateId: string, maxNumber = 10): Template {
  const ids = { uuid: () => crypto.randomUUID() };
  const attributes = { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] };
  return Template.create({ templateId, maxNumber, attributes, vmType: 'm5.large' }, { now: T0, ids });
}

async function seedTemplate(storage: Storage, templateId: string, maxNumber = 10): Promise<void> {
  await storage.unitOfWork.transaction(async (tx) => {
    const created = template(templateId, maxNumber);
    await tx.templates.save(created, 0);
    tx.outbox.append(created.pullEvents());
  });
}

/** Loads `templateId`, sets its maxNumber and saves it at the version read, with its events. */
async function setMaxNumber(storage: Storage, templateId: string, maxNumber: number, between?: () => Promise<void>): Promise<number> {
  return storage.unitOfWork.transaction(async (tx) => {
    const loaded = await tx.templates.get(templateId);
    if (loaded === undefined) throw new Error(`template ${templateId} is missing`);
    const read = loaded.version;
    loaded.update({ maxNumber }, { now: T0, ids: { uuid: () => crypto.randomUUID() } });
    await between?.();
    await tx.templates.save(loaded, read);
    tx.outbox.append(loaded.pullEvents());
    return maxNumber;
  });
}

function rawCount(filename: string, sql: string): number {
  const db = new Database(filename, { readonly: true });
  try {
    return (db.prepare(sql).pluck().get() as number | undefined) ?? 0;
  } finally {
    db.close();
  }
}

describe('SQLite storage: schema and connections', () => {
  it('applies each migration once, in order, however often the file is opened', () => {
    const filename = databaseFile();
    open(filename).close();
    open(filename);
    open(filename);
    const db = new Database(filename, { readonly: true });
    const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    db.close();
    expect(rows).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('keeps data across reopening', async () => {
    const filename = databaseFile();
    const first = open(filename);
    await seedTemplate(first, 't-a', 7);
    first.close();
    const again = open(filename);
    const stored = await again.unitOfWork.transaction((tx) => tx.templates.get('t-a'));
    expect(stored?.maxNumber).toBe(7);
    expect(await again.eventLog.head()).toBe(1);
  });

  it('puts the file in WAL mode', () => {
    const filename = databaseFile();
    open(filename);
    const db = new Database(filename, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses an in-memory database with a message saying to use a file', () => {
    expect(() => createSqliteStorage({ filename: ':memory:' })).toThrow(/needs a database file/);
  });

  it('opened read-only, reads the state and refuses writes with STORAGE_READONLY', async () => {
    const filename = databaseFile();
    await seedTemplate(open(filename), 't-a');
    const reader = open(filename, { readonly: true });
    expect((await reader.unitOfWork.transaction((tx) => tx.templates.list())).map((t) => t.templateId)).toEqual(['t-a']);
    expect(await reader.eventLog.head()).toBe(1);
    const writing = reader.unitOfWork.transaction((tx) => tx.templates.save(template('t-b'), 0));
    await expect(writing).rejects.toMatchObject({ code: 'STORAGE_READONLY' });
    await expect(reader.readModels.put('docs', { id: 'x' })).rejects.toMatchObject({ code: 'STORAGE_READONLY' });
  });

  it('refuses to open a read-only storage on a file that was never migrated', () => {
    const filename = databaseFile();
    new Database(filename).close();
    expect(() => open(filename, { readonly: true })).toThrow(expect.objectContaining({ code: 'STORAGE_SCHEMA_MISMATCH' }));
  });

  it('fails every call with STORAGE_CLOSED after close()', async () => {
    const storage = open(databaseFile());
    storage.close();
    await expect(storage.eventLog.head()).rejects.toMatchObject({ code: 'STORAGE_CLOSED' });
    await expect(storage.unitOfWork.transaction(async () => 1)).rejects.toMatchObject({ code: 'STORAGE_CLOSED' });
  });
});

describe('SQLite storage: transactions', () => {
  it('leaves no trace of a transaction whose work throws: rows, events, sequence', async () => {
    const filename = databaseFile();
    const storage = open(filename);
    await seedTemplate(storage, 't-a');
    const before = ['templates', 'requests', 'machines', 'events', 'read_models'].map((t) => rawCount(filename, `SELECT count(*) FROM ${t}`));
    const boom = new Error('boom');
    const failed = storage.unitOfWork.transaction(async (tx) => {
      const created = template('t-b');
      await tx.templates.save(created, 0);
      tx.outbox.append(created.pullEvents());
      await tx.templates.delete('t-a', 1);
      throw boom;
    });
    await expect(failed).rejects.toBe(boom);
    const after = ['templates', 'requests', 'machines', 'events', 'read_models'].map((t) => rawCount(filename, `SELECT count(*) FROM ${t}`));
    expect(after).toEqual(before);
    expect(rawCount(filename, "SELECT seq FROM sqlite_sequence WHERE name = 'events'")).toBe(1);
    await seedTemplate(storage, 't-c');
    expect((await storage.eventLog.readAfter(0, 10)).map((e) => [e.position, e.event.aggregateId])).toEqual([[1, 't-a'], [2, 't-c']]);
  });

  it('fails the commit with the conflict even when work swallowed it', async () => {
    const storage = open(databaseFile());
    await seedTemplate(storage, 't-a');
    const attempt = storage.unitOfWork.transaction(async (tx) => {
      await tx.templates.save(template('t-b'), 0);
      await tx.templates.save(template('t-a'), 0).catch(() => undefined);
    });
    await expect(attempt).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT', details: { id: 't-a', actualVersion: 1 } });
    expect(await storage.unitOfWork.transaction((tx) => tx.templates.get('t-b'))).toBeUndefined();
  });

  it('two storages on one file (two connections): concurrent saves of one aggregate, exactly one wins', async () => {
    const filename = databaseFile();
    const [a, b] = [open(filename), open(filename)];
    await seedTemplate(a, 't-a');
    const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 20));
    const settled = await Promise.allSettled([setMaxNumber(a, 't-a', 20, pause), setMaxNumber(b, 't-a', 30, pause)]);
    const won = settled.filter((s): s is PromiseFulfilledResult<number> => s.status === 'fulfilled');
    const lost = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(isKernelError(lost[0]?.reason, 'CONCURRENCY_CONFLICT')).toBe(true);
    const stored = await b.unitOfWork.transaction((tx) => tx.templates.get('t-a'));
    expect([stored?.maxNumber, stored?.version]).toEqual([won[0]?.value, 2]);
    expect(await a.eventLog.head()).toBe(2);
  });

  it('two storages on one file: interleaved commits get consecutive positions in commit order', async () => {
    const filename = databaseFile();
    const storages = [open(filename), open(filename)];
    await Promise.all(Array.from({ length: 20 }, (_, i) => seedTemplate(storages[i % 2]!, `t-${String(i).padStart(2, '0')}`)));
    const log = await storages[1]!.eventLog.readAfter(0, 100);
    expect(log.map((e) => e.position)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(new Set(log.map((e) => e.event.aggregateId)).size).toBe(20);
    expect(await storages[0]!.eventLog.head()).toBe(20);
  });

  it('serialises the same lock key across two storages of one file', async () => {
    const filename = databaseFile();
    const [a, b] = [open(filename), open(filename)];
    await seedTemplate(a, 't-a');
    const steps: string[] = [];
    let held!: () => void;
    const locked = new Promise<void>((resolve) => (held = resolve));
    const first = a.unitOfWork.transaction(async (tx) => {
      await tx.lock('template:t-a');
      await tx.templates.get('t-a');
      steps.push('a reads');
      held();
      await new Promise((resolve) => setTimeout(resolve, 50));
      steps.push('a commits');
    });
    await locked;
    const second = b.unitOfWork.transaction(async (tx) => {
      await tx.lock('template:t-a');
      await tx.templates.get('t-a');
      steps.push('b reads');
    });
    await Promise.all([first, second]);
    expect(steps).toEqual(['a reads', 'a commits', 'b reads']);
  });
});

/** Node script for the crash test: takes the write lock, writes a lot (spilling into the WAL), then hangs. */
const HALF_WRITER = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1], { timeout: 5000 });
db.pragma('cache_size = 5');
db.exec('BEGIN IMMEDIATE');
db.prepare("UPDATE templates SET version = 9, snapshot = json_set(snapshot, '$.maxNumber', 999, '$.version', 9) WHERE id = 't-a'").run();
const insert = db.prepare("INSERT INTO events (event_id, aggregate_type, aggregate_id, aggregate_version, type, payload, committed_at) VALUES (?, 'Template', 't-a', 9, 'TemplateUpdated', '{}', 'never')");
const doc = db.prepare("INSERT INTO read_models (collection, id, doc) VALUES ('ghosts', ?, ?)");
for (let i = 0; i < 3000; i++) { insert.run('ghost-' + i); doc.run('g' + i, JSON.stringify({ id: 'g' + i, pad: 'x'.repeat(200) })); }
process.stdout.write('ready\\n');
setInterval(() => {}, 1000);
`;

describe('SQLite storage: crashes and contention', () => {
  it('a process killed with SIGKILL mid-transaction leaves the database consistent; waiting writers then proceed', async () => {
    const filename = databaseFile();
    const storage = open(filename);
    await seedTemplate(storage, 't-a', 10);
    const child = spawn(process.execPath, ['-e', HALF_WRITER, filename], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      child.on('exit', () => reject(new Error(`the half-writer exited early: ${stderr}`)));
    });

    // While the child holds the write lock: a writer with a short budget fails clearly ...
    const impatient = open(filename, { busyTimeoutMs: 100 });
    const busy = setMaxNumber(impatient, 't-a', 11);
    await expect(busy).rejects.toMatchObject({ code: 'STORAGE_BUSY', details: { filename, waitedMs: 100 } });
    await expect(busy).rejects.toThrow(/stayed locked for 100 ms/);
    // The message names the file, never its directory (it may come from the environment): issue 14, item 8.
    const message = await busy.then(() => '', (error: Error) => error.message);
    expect(message).toContain(`database ${basename(filename)} stayed locked`);
    expect(message).not.toContain(dirname(filename));
    // ... readers still see the last committed state ...
    expect(await storage.eventLog.head()).toBe(1);
    // ... and a patient writer waits for the lock without blocking the event loop.
    let done = false;
    const patient = setMaxNumber(storage, 't-a', 12).finally(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(done).toBe(false);

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    await expect(patient).resolves.toBe(12);

    const stored = await storage.unitOfWork.transaction((tx) => tx.templates.get('t-a'));
    expect([stored?.maxNumber, stored?.version]).toEqual([12, 2]);
    expect((await storage.eventLog.readAfter(0, 10)).map((e) => e.position)).toEqual([1, 2]);
    expect(await storage.readModels.query('ghosts', {})).toEqual({ items: [], total: 0 });
    const db = new Database(filename, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });
});

/** Records every read-model query and event-log read a host factory makes through `storage`. */
function recording(storage: SqliteStorage): { storage: Storage; queries: [string, ReadModelQuery][]; readsAfter: number[] } {
  const queries: [string, ReadModelQuery][] = [];
  const readsAfter: number[] = [];
  const { readModels, eventLog } = storage;
  return {
    queries,
    readsAfter,
    storage: {
      unitOfWork: storage.unitOfWork,
      eventLog: {
        head: () => eventLog.head(),
        readAfter: (after, limit) => (readsAfter.push(after), eventLog.readAfter(after, limit)),
      },
      readModels: {
        get: (collection, id) => readModels.get(collection, id),
        getMany: (collection, ids) => readModels.getMany(collection, ids),
        put: (collection, document) => readModels.put(collection, document),
        delete: (collection, id) => readModels.delete(collection, id),
        query: (collection, query) => (queries.push([collection, query]), readModels.query(collection, query)),
      },
    },
  };
}

const TEMPLATE = templateInput();

describe('SQLite storage: through createHostFactory', () => {
  const factories: HostFactory[] = [];
  afterEach(() => {
    for (const factory of factories.splice(0)) factory.dispose();
  });
  function hostFactory(storage: Storage, provider: FakeProvider, clock: ManualClock): HostFactory {
    const factory = createHostFactory({ storage, provider, clock });
    factories.push(factory);
    return factory;
  }

  it('runs request → sync → complete → return, and a second process sees it all and catches up from the checkpoints', async () => {
    const filename = databaseFile();
    const clock = new ManualClock();
    const cloud = new FakeProvider({ clock });
    const first = hostFactory(open(filename), cloud, clock);

    await first.commands.execute(CreateTemplate.from({ template: TEMPLATE }));
    const { requestId } = await first.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 2 }));
    await first.commands.execute(SyncRequest.from({ requestId }));
    const acquired = await first.queries.execute(GetRequestStatus.from({ requestId }));
    expect(acquired.status).toBe('completed');
    expect(acquired.machines.map((m) => [m.status, m.result])).toEqual([
      ['running', 'succeed'],
      ['running', 'succeed'],
    ]);
    const returned = await first.commands.execute(RequestReturnMachines.from({ machines: acquired.machines.map((m) => ({ machineId: m.machineId, name: m.name })) }));
    await first.commands.execute(SyncRequest.from({ requestId: returned.requestId }));
    const done = await first.queries.execute(GetRequestStatus.from({ requestId: returned.requestId }));
    expect(done.status).toBe('completed');
    expect(done.machines.map((m) => m.status)).toEqual(['terminated', 'terminated']);
    first.dispose();

    // A new process: a new storage on the same file, a new host factory, the same cloud.
    const head = rawCount(filename, 'SELECT max(position) FROM events');
    const second = recording(open(filename));
    const next = hostFactory(second.storage, cloud, clock);
    const seen = await next.queries.execute(GetRequestStatus.from({ requestId: returned.requestId }));
    expect(seen.status).toBe('completed');
    expect(next.projectionStatus().map((p) => p.position)).toEqual(next.projectionStatus().map(() => head));
    expect(Math.min(...second.readsAfter)).toBe(head);

    // It commits on the shared file; a third process finds both processes' work.
    const { requestId: another } = await next.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 }));
    const third = recording(open(filename));
    const later = hostFactory(third.storage, cloud, clock);
    const acquires = await later.queries.execute(ListRequests.from({ type: 'acquire' }));
    expect(acquires.items.map((r) => r.requestId).sort()).toEqual([requestId, another].sort());
    expect((await later.queries.execute(ListReturnRequests.from({}))).total).toBe(1);
    expect(Math.min(...third.readsAfter)).toBeGreaterThan(head);
  });

  it('answers the library’s read-model queries from the expression indexes (EXPLAIN QUERY PLAN)', async () => {
    const filename = databaseFile();
    const clock = new ManualClock();
    const cloud = new FakeProvider({ clock });
    const traced = recording(open(filename));
    const factory = hostFactory(traced.storage, cloud, clock);
    await factory.commands.execute(CreateTemplate.from({ template: TEMPLATE }));
    const { requestId } = await factory.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 2 }));
    const status = await factory.queries.execute(GetRequestStatus.from({ requestId }));
    await factory.queries.execute(ListRequests.from({ status: 'pending' }));
    await factory.queries.execute(ListRequests.from({ type: 'acquire' }));
    await factory.queries.execute(ListRequests.from({ templateId: 'small' }));
    await factory.queries.execute(ListRequests.from({}));
    await factory.queries.execute(ListReturnRequests.from({ status: 'pending' }));
    await factory.queries.execute(ListMachines.from({ requestId }));
    await factory.queries.execute(ListMachines.from({ templateId: 'small' }));
    await factory.queries.execute(ListMachines.from({ status: 'running' }));
    await factory.queries.execute(GetReturnRequests.from({ machines: status.machines.map((m) => ({ name: m.name })) }));

    const db = new Database(filename, { readonly: true });
    const plans = traced.queries
      .filter(([collection]) => collection === 'requests' || collection === 'machines')
      .map(([collection, query]) => {
        const compiled = compileQuery(collection, query);
        const plan = (db.prepare(`EXPLAIN QUERY PLAN ${compiled.sql}`).all(...compiled.params) as { detail: string }[]).map((row) => row.detail).join('; ');
        return { collection, filters: (query.filters ?? []).map((f) => f.field).join('+'), plan };
      });
    db.close();
    const filtered = new Set(plans.map((p) => `${p.collection}:${p.filters}`));
    for (const wanted of ['requests:status', 'requests:type', 'requests:templateId', 'requests:type+status', 'requests:', 'machines:requestId', 'machines:templateId', 'machines:status', 'machines:name']) {
      expect(filtered, `the library never ran a ${wanted} query`).toContain(wanted);
    }
    const indexOf: Record<string, string> = { status: 'read_models_status', type: 'read_models_type', templateId: 'read_models_template_id', requestId: 'read_models_request_id', name: 'read_models_name', '': 'read_models_created_at' };
    for (const { collection, filters, plan } of plans) {
      const usable = filters.split('+').map((field) => indexOf[field]);
      expect(usable.some((index) => plan.includes(`USING INDEX ${index} `)), `${collection} by "${filters}": ${plan}`).toBe(true);
      expect(plan, `${collection} by "${filters}" sorts its matches instead of reading them in index order`).not.toMatch(/TEMP B-TREE|SCAN/);
    }
  });
});
