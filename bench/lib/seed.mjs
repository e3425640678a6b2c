// Seeds a storage with request history through the storage PORTS, the way the library writes it:
// aggregates built by the domain (Request.createAcquire, Machine.create, attach, start,
// synchronise, cancel), saved by `tx.requests/machines.save` with their events appended to the
// outbox, in bulk transactions of CHUNK requests; then the read models are brought up to date by the
// library's own projections (DEFAULT_PROJECTIONS, bundled from src by bench/build.mjs: they are
// internal since 0.2.0) over the committed events read back from the
// event log, with each projection's checkpoint set to the log's head, as the projector leaves it.
// Read-model documents are written through `readModels.put` (in memory) or, for SQLite, with the
// store's own upsert statement in one transaction per chunk (`bulkPut`): one transaction per
// document would measure SQLite's commit, not the library.
import { Machine, Request, Template } from '../../dist/storage/index.js';
import { COLLECTIONS, DEFAULT_PROJECTIONS } from '../.build/projections.mjs';
import { sequentialIds } from '../../dist/testing/index.js';

export const HISTORY_TEMPLATE = 'History';
export const MACHINES_PER_REQUEST = 10;
const CHUNK = 500;
const BASE = Date.parse('2024-01-01T00:00:00.000Z');

export function historyTemplateInput(templateId = HISTORY_TEMPLATE) {
  return {
    templateId,
    maxNumber: -1,
    attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '8192'] },
    vmType: 'm5.large',
    providerApi: 'RunInstances',
  };
}

/**
 * Adds `count` requests of MACHINES_PER_REQUEST running machines each: 4 in 5 end `complete`, 1 in
 * 5 is `cancelled` (so a status filter selects a real subset). Returns { requestIds, machineIds }
 * samples (every 97th request) to read back, and the event count. `from` numbers the requests
 * (their machine ids and createdAt) after an earlier call's; pass the same `ids` generator to both.
 */
export async function seedHistory(storage, { count, from = 0, ids = sequentialIds(), bulkPut, prefix = 'i-hist', onProgress } = {}) {
  const t0 = { now: new Date(BASE), ids };
  let template = await storage.unitOfWork.transaction((tx) => tx.templates.get(HISTORY_TEMPLATE));
  const samples = { requestIds: [], machineIds: [] };
  let events = 0;
  let made = 0;
  if (template === undefined) {
    template = Template.create(historyTemplateInput(), t0);
    await storage.unitOfWork.transaction(async (tx) => {
      await tx.templates.save(template, 0);
      tx.outbox.append(template.pullEvents());
    });
  }
  let head = await storage.eventLog.head();
  await project(storage, head, bulkPut);
  while (made < count) {
    const n = Math.min(CHUNK, count - made);
    await storage.unitOfWork.transaction(async (tx) => {
      for (let k = 0; k < n; k++) {
        const i = from + made + k;
        const ctx = { now: new Date(BASE + i * 1000), ids, causationId: ids.uuid() };
        const request = Request.createAcquire({ template, activeUnits: 0, requestedCount: MACHINES_PER_REQUEST, limits: { maxPerRequest: 100 } }, ctx);
        const machines = [];
        for (let m = 0; m < MACHINES_PER_REQUEST; m++) {
          machines.push(
            Machine.create(
              { machineId: `${prefix}-${i}-${m}`, requestId: request.requestId, templateId: template.templateId, providerApi: 'RunInstances', status: 'running', name: `host-${i}-${m}`, privateIpAddress: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
              ctx,
            ),
          );
        }
        request.attachMachines(machines.map((m) => m.machineId), [`r-${i}`], ctx);
        request.start(ctx);
        if (i % 5 === 4) request.cancel('cancelled by the bench seed', ctx);
        else request.synchronise(machines, ctx);
        await tx.requests.save(request, 0);
        const recorded = request.pullEvents();
        tx.outbox.append(recorded);
        events += recorded.length;
        for (const machine of machines) {
          await tx.machines.save(machine, 0);
          const e = machine.pullEvents();
          tx.outbox.append(e);
          events += e.length;
        }
        if (i % 97 === 0) {
          samples.requestIds.push(request.requestId);
          samples.machineIds.push(machines[i % MACHINES_PER_REQUEST].machineId);
        }
      }
    });
    made += n;
    head = await project(storage, head, bulkPut);
    onProgress?.(made);
  }
  return { ...samples, events };
}

/** Applies the library's projections to the events after `from`, as the projector does; returns the new head. */
async function project(storage, from, bulkPut) {
  // SQLite: project into an in-memory staging store (every aggregate of a chunk is new), then write
  // its documents in one transaction. In memory: project straight into the storage's read models.
  const target = bulkPut ? stagingStore() : storage.readModels;
  let position = from;
  for (;;) {
    const batch = await storage.eventLog.readAfter(position, 2000);
    if (batch.length === 0) break;
    for (const stored of batch) for (const projection of DEFAULT_PROJECTIONS) await projection.apply(stored, target);
    position = batch[batch.length - 1].position;
  }
  if (bulkPut) {
    const docs = [];
    for (const [collection, byId] of target.collections) for (const doc of byId.values()) docs.push([collection, doc]);
    for (const projection of DEFAULT_PROJECTIONS) docs.push([COLLECTIONS.checkpoints, { id: projection.name, position }]);
    bulkPut(docs);
  } else {
    for (const projection of DEFAULT_PROJECTIONS) await storage.readModels.put(COLLECTIONS.checkpoints, { id: projection.name, position });
  }
  return position;
}

/** The part of a ReadModelStore the projections use (get, put, delete), as plain maps of JSON copies. */
function stagingStore() {
  const collections = new Map();
  const of = (name) => collections.get(name) ?? collections.set(name, new Map()).get(name);
  return {
    collections,
    get: async (collection, id) => of(collection).get(id),
    put: async (collection, doc) => void of(collection).set(doc.id, JSON.parse(JSON.stringify(doc))),
    delete: async (collection, id) => void of(collection).delete(id),
  };
}

/** A bulkPut for a SQLite file: the store's own upsert, one transaction for all `docs`. */
export function sqliteBulkPut(Database, filename) {
  const db = new Database(filename);
  db.pragma('busy_timeout = 5000');
  const upsert = db.prepare('INSERT INTO read_models (collection, id, doc) VALUES (?, ?, ?) ON CONFLICT (collection, id) DO UPDATE SET doc = excluded.doc');
  const all = db.transaction((docs) => {
    for (const [collection, doc] of docs) upsert.run(collection, doc.id, JSON.stringify(doc));
  });
  const put = (docs) => all.immediate(docs);
  put.close = () => db.close();
  return put;
}
