/**
 * One replica of a host-factory service for the multi-process test: its own pool, kernel and
 * provider adapter on the shared schema, issuing random commands until the deadline, then printing
 * a JSON summary (command → outcome → count) as its last line. Built to `.tmp` and run by node.
 */
import pg from 'pg';
import { createHostFactory, isKernelError, RequestMachines, RequestReturnMachines, SyncRequest } from 'hostfactory-kernel';
import { createPostgresStorage } from '../../postgres-storage';
import { SharedCloud } from './shared-cloud';

const { PG_URL = '', SCHEMA = '', TEMPLATE_ID = '', DURATION_MS = '5000', WORKER = '0' } = process.env;

const pool = new pg.Pool({ connectionString: PG_URL, max: 4 });
const storage = await createPostgresStorage({ pool, schema: SCHEMA, migrate: false });
// Counts transactions that lost an optimistic race (the kernel's retry middleware runs them again).
let conflicts = 0;
const transaction = storage.unitOfWork.transaction.bind(storage.unitOfWork);
storage.unitOfWork.transaction = (work) =>
  transaction(work).catch((error: unknown) => {
    if (isKernelError(error, 'CONCURRENCY_CONFLICT')) conflicts += 1;
    throw error;
  });
const hf = createHostFactory({ storage, provider: new SharedCloud(pool, SCHEMA), conflictRetries: 5 });
const outcomes: Record<string, Record<string, number>> = {};
const count = (command: string, outcome: string): void => {
  const byOutcome = (outcomes[command] ??= {});
  byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
};
const pick = async (sql: string): Promise<{ id: string; name: string | null }[]> => (await pool.query<{ id: string; name: string | null }>(sql)).rows;
const t = storage.tables;

let current = '';

async function step(): Promise<void> {
  const roll = Math.random();
  if (roll < 0.35) {
    current = 'RequestMachines';
    await hf.commands.execute(RequestMachines.from({ templateId: TEMPLATE_ID, machineCount: 1 + Math.floor(Math.random() * 2) }));
    return count('RequestMachines', 'ok');
  }
  if (roll < 0.75) {
    current = 'SyncRequest';
    const [open] = await pick(`SELECT id, NULL AS name FROM ${t.requests} WHERE status IN ('pending', 'in_progress') ORDER BY random() LIMIT 1`);
    if (open === undefined) return count('SyncRequest', 'nothing open');
    await hf.commands.execute(SyncRequest.from({ requestId: open.id }));
    return count('SyncRequest', 'ok');
  }
  current = 'RequestReturnMachines';
  // Overlapping returns: every worker draws from the same few running machines, by id or by name.
  const running = await pick(`SELECT id, name FROM ${t.machines} WHERE status = 'running' ORDER BY random() LIMIT 2`);
  if (running.length === 0) return count('RequestReturnMachines', 'nothing running');
  const machines = running.map((m) => (Math.random() < 0.5 || m.name === null ? { machineId: m.id } : { name: m.name }));
  await hf.commands.execute(RequestReturnMachines.from({ machines }));
  return count('RequestReturnMachines', 'ok');
}

const deadline = Date.now() + Number(DURATION_MS);
while (Date.now() < deadline) {
  try {
    await step();
  } catch (error) {
    count(current, isKernelError(error) ? error.code : `unexpected ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }
}
hf.dispose();
await storage.close();
await pool.end();
console.log(JSON.stringify({ worker: Number(WORKER), outcomes, conflicts }));
