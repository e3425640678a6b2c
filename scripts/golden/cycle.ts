/*
 * The scripted cycle that writes a golden fixture. generate.mjs copies this file into a temporary
 * worktree of an old release (at the same path), bundles it against THAT release's sources and
 * runs it, so what it stores is exactly what that release wrote. It only uses names every release
 * since 0.1.0 exports; keep it that way (it must still compile against 0.1.0).
 *
 *   node cycle.cjs <out-dir> [<postgres-url> <schema>]
 *
 * Writes <out-dir>/sqlite.db (a compacted copy of the SQLite example's database) and
 * <out-dir>/answers.json: what that release answered to GetRequestStatus (also as the Symphony
 * getRequestStatus document) and ListRequests (the same
 * on both storages, or the cycle fails) and its fake cloud's machines (so a later release can
 * continue the open requests against the same cloud).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  CreateTemplate,
  GetRequestStatus,
  ListRequests,
  RequestMachines,
  RequestReturnMachines,
  SyncRequest,
  createHostFactory,
  type Storage,
} from '../../src/index';
import { FakeProvider, ManualClock, sequentialIds } from '../../src/testing/index';
import { formatGetRequestStatusOutput, formatRequestStatusEntry } from '../../src/hostfactory/output';
import { createSqliteStorage } from '../../examples/sqlite-storage/sqlite-storage';
import { createPostgresStorage } from '../../examples/postgres-storage/postgres-storage';

const TEMPLATE = {
  templateId: 'small',
  maxNumber: 10,
  attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] },
  vmType: 't3.small',
};

/** JSON data as the release serialised it (DTO class instances become plain objects). */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/**
 * Five requests: an acquire completed and returned (both completed), an acquire completed whose
 * machine is being returned (the return is open), and an acquire provisioned but never synced (open).
 */
async function cycle(storage: Storage): Promise<Record<string, unknown>> {
  const clock = new ManualClock('2026-01-05T08:00:00.000Z');
  const cloud = new FakeProvider({ clock });
  const factory = createHostFactory({ storage, provider: cloud, clock, ids: sequentialIds(1000) });
  const { commands, queries } = factory;
  const step = () => clock.advance({ seconds: 30 });
  try {
    await commands.execute(CreateTemplate.from({ template: TEMPLATE }));
    step();
    const returned = await commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 2 }));
    step();
    await commands.execute(SyncRequest.from({ requestId: returned.requestId }));
    step();
    const held = await commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 }));
    step();
    await commands.execute(SyncRequest.from({ requestId: held.requestId }));
    step();
    const first = await queries.execute(GetRequestStatus.from({ requestId: returned.requestId }));
    const back = await commands.execute(
      RequestReturnMachines.from({ machines: first.machines.map((m) => ({ machineId: m.machineId, name: m.name })) }),
    );
    step();
    await commands.execute(SyncRequest.from({ requestId: back.requestId }));
    step();
    const open = await commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 2 }));
    step();
    const heldStatus = await queries.execute(GetRequestStatus.from({ requestId: held.requestId }));
    const openReturn = await commands.execute(
      RequestReturnMachines.from({ machines: heldStatus.machines.map((m) => ({ machineId: m.machineId, name: m.name })) }),
    );
    step();
    await factory.catchUp();
    const requestIds = [returned.requestId, held.requestId, back.requestId, open.requestId, openReturn.requestId];
    const status: Record<string, unknown> = {};
    const entries = [];
    for (const requestId of requestIds) {
      const answer = await queries.execute(GetRequestStatus.from({ requestId }));
      status[requestId] = plain(answer);
      entries.push(formatRequestStatusEntry(answer));
    }
    return {
      requestIds,
      openRequestIds: [open.requestId, openReturn.requestId],
      getRequestStatus: status,
      // The Symphony getRequestStatus document of every request, as the release formatted it.
      getRequestStatusWire: plain(formatGetRequestStatusOutput(entries)),
      listRequests: {
        all: plain(await queries.execute(ListRequests.from({}))),
        acquire: plain(await queries.execute(ListRequests.from({ type: 'acquire' }))),
        return: plain(await queries.execute(ListRequests.from({ type: 'return' }))),
      },
      clock: clock.now().toISOString(),
      cloud: plain(cloud.machines()),
    };
  } finally {
    factory.dispose();
  }
}

async function main(): Promise<void> {
  const [out, postgresUrl, schema] = process.argv.slice(2);
  if (out === undefined) throw new Error('usage: node cycle.cjs <out-dir> [<postgres-url> <schema>]');
  mkdirSync(out, { recursive: true });
  let answers: Record<string, unknown> = {};

  const scratch = mkdtempSync(join(tmpdir(), 'hf-golden-cycle-'));
  try {
    const sqlite = createSqliteStorage({ filename: join(scratch, 'hostfactory.db') });
    try {
      answers = await cycle(sqlite);
    } finally {
      sqlite.close();
    }
    // VACUUM INTO: one self-contained, compacted file (no -wal/-shm beside it).
    const db = new Database(join(scratch, 'hostfactory.db'));
    rmSync(join(out, 'sqlite.db'), { force: true });
    db.prepare('VACUUM INTO ?').run(join(out, 'sqlite.db'));
    db.close();
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  if (postgresUrl !== undefined && schema !== undefined) {
    const postgres = await createPostgresStorage({ connectionString: postgresUrl, schema });
    try {
      // One record of answers for both: the same cycle must answer the same on either storage.
      const onPostgres = await cycle(postgres);
      if (JSON.stringify(onPostgres) !== JSON.stringify(answers)) throw new Error('the cycle answered differently on PostgreSQL than on SQLite');
    } finally {
      await postgres.close();
    }
  }
  writeFileSync(join(out, 'answers.json'), `${JSON.stringify(answers, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
