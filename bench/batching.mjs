// Issue 19: a 1,000-machine RequestMachines and SyncRequest with the batch ports (saveMany, putMany)
// and through the per-item fallback (the same adapter with its batch methods hidden: what an adapter
// without them gets, one statement per machine and per document), side by side in one run, on
// PostgreSQL (127.0.0.1:5432, a schema of its own, dropped afterwards; statements counted at the pool)
// and on SQLite (a temporary file). Targets: ≤ 20 statements per command on PostgreSQL, batched
// ≥ 10× faster than per-item in wall time on both stores. Each figure is split into the time spent
// inside the store (bench/lib/timed-storage.mjs) and the library's own; per-item ÷ the batched path's
// store time is the most batching could give here if the library took no time at all (the ceiling).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTemplate, RequestMachines, SyncRequest, createHostFactory } from '../dist/index.js';
import { QUICK, machine, saveResult, target } from './lib/common.mjs';
import { benchProvider, benchTemplate } from './lib/provider.mjs';
import { buildBenchAdapters, buildPostgresAdapter } from './build.mjs';
import { timedStorage } from './lib/timed-storage.mjs';

const MACHINES = 1000;
const ROUNDS = QUICK ? 1 : 3;
const PG_URL = process.env.HOSTFACTORY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The same storage with `saveMany` and `putMany` hidden, so the library falls back to one call per item. */
function perItem(storage) {
  const hide = (target, name) =>
    new Proxy(target, {
      get(object, key) {
        if (key === name) return undefined;
        const value = Reflect.get(object, key);
        return typeof value === 'function' ? value.bind(object) : value;
      },
    });
  return {
    unitOfWork: { transaction: (work) => storage.unitOfWork.transaction((tx) => work({ ...bindAll(tx), machines: hide(tx.machines, 'saveMany') })) },
    eventLog: storage.eventLog,
    readModels: hide(storage.readModels, 'putMany'),
  };
}

function bindAll(tx) {
  return { templates: tx.templates, requests: tx.requests, machines: tx.machines, outbox: tx.outbox, lock: (key) => tx.lock(key) };
}

async function openPostgres() {
  const { default: pg } = await import('pg');
  const { createPostgresStorage, countingPool } = await import('./.build/postgres-storage.mjs');
  const base = new pg.Pool({ connectionString: PG_URL, max: 4 });
  const counting = countingPool(base);
  const schema = `hf_bench_batch_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  const storage = await createPostgresStorage({ pool: counting.pool, schema });
  return {
    storage,
    counting,
    async close() {
      await base.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await base.end();
    },
  };
}

async function openSqlite() {
  const { createSqliteStorage } = await import('./.build/sqlite-storage.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'hf-bench-batch-'));
  const storage = createSqliteStorage({ filename: join(dir, 'hostfactory.db') });
  return {
    storage,
    async close() {
      storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One fresh store: RequestMachines of 1,000 machines, then SyncRequest (every machine pending → running). */
async function run(kind, mode) {
  const store = kind === 'postgres' ? await openPostgres() : await openSqlite();
  try {
    const timed = timedStorage(store.storage);
    const storage = mode === 'batched' ? timed.storage : perItem(timed.storage);
    const hf = createHostFactory({ storage, provider: benchProvider(`i-${kind}-${mode}`), limits: { maxPerRequest: MACHINES } });
    await hf.commands.execute(CreateTemplate.from({ template: benchTemplate('Large', 2 * MACHINES) }));
    const step = async (command) => {
      store.counting?.reset();
      timed.reset();
      const t = performance.now();
      const result = await hf.commands.execute(command());
      return { result, ms: performance.now() - t, storeMs: timed.ms(), statements: store.counting?.count() };
    };
    const requested = await step(() => RequestMachines.from({ templateId: 'Large', machineCount: MACHINES }));
    const synced = await step(() => SyncRequest.from({ requestId: requested.result.requestId }));
    if (synced.result.status !== 'completed' || synced.result.machineIds.length !== MACHINES) throw new Error(`${kind} ${mode}: SyncRequest ended ${synced.result.status}`);
    hf.dispose();
    const figures = (step) => ({ ms: step.ms, storeMs: step.storeMs, statements: step.statements });
    return { requestMachines: figures(requested), syncRequest: figures(synced) };
  } finally {
    await store.close();
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

await buildBenchAdapters();
await buildPostgresAdapter();
console.log(`batching — ${machine()}`);
console.log(`${MACHINES} machines per request; each figure: the median of ${ROUNDS} fresh stores; per-item = the same adapter with saveMany/putMany hidden;`);
console.log('store = time inside the storage ports (begin and commit included); ceiling = per-item ÷ the batched store time (the speed-up if the library took no time)\n');
const results = {};
for (const kind of ['postgres', 'sqlite']) {
  const runs = { batched: [], perItem: [] };
  for (let round = 0; round < ROUNDS; round++) {
    runs.batched.push(await run(kind, 'batched'));
    runs.perItem.push(await run(kind, 'perItem'));
  }
  results[kind] = {};
  for (const command of ['requestMachines', 'syncRequest']) {
    const figure = (mode) => ({
      ms: median(runs[mode].map((r) => r[command].ms)),
      storeMs: median(runs[mode].map((r) => r[command].storeMs)),
      statements: runs[mode][0][command].statements,
    });
    const batched = figure('batched');
    const item = figure('perItem');
    const ceiling = item.ms / batched.storeMs;
    results[kind][command] = { batched, perItem: item, speedup: item.ms / batched.ms, ceiling };
    const trips = (f) => (f.statements === undefined ? '' : `, ${f.statements} statements`);
    const split = (f) => `${f.ms.toFixed(0).padStart(5)} ms (store ${f.storeMs.toFixed(0).padStart(4)}, library ${(f.ms - f.storeMs).toFixed(0).padStart(4)})`;
    console.log(`  ${kind.padEnd(8)} ${command.padEnd(15)} batched ${split(batched)}${trips(batched)}   per-item ${split(item)}${trips(item)}   ${(item.ms / batched.ms).toFixed(1)}×, ceiling ${ceiling.toFixed(1)}×`);
  }
}
console.log('\ntargets');
for (const command of ['requestMachines', 'syncRequest']) {
  const pg = results.postgres[command];
  target('batching', `postgres ${MACHINES}-machine ${command}: ${pg.batched.statements} statements ≤ 20`, pg.batched.statements <= 20);
  for (const kind of ['postgres', 'sqlite']) {
    const r = results[kind][command];
    target('batching', `${kind} ${MACHINES}-machine ${command}: batched ${r.speedup.toFixed(1)}× faster than per-item ≥ 10× (ceiling here ${r.ceiling.toFixed(1)}×: the batched path's store time alone)`, r.speedup >= 10);
  }
}
saveResult('batching', { machines: MACHINES, rounds: ROUNDS, results });
