import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTemplate, RequestMachines, SyncRequest, createHostFactory, type HostFactory, type ProviderPort } from 'hostfactory-kernel';
import { countingPool, createPostgresStorage, type CountingPool, type PostgresStorage } from '../index';
import { dropSchema, PG_URL, postgresAvailability, uniqueName } from './support/services';

const pgState = await postgresAvailability();
const MACHINES = 1000;
/** The bound: statements sent to PostgreSQL by one command, its projections included. */
const BOUND = 20;

/** A cloud that starts every machine `pending` and then reports each one `running`. */
function cloud(): ProviderPort {
  const facts = (machineId: string) => ({ machineId, name: `${machineId}.test`, privateIpAddress: '10.1.0.1', instanceType: 'm5.large' });
  let next = 0;
  return {
    async provision({ count }) {
      return { resourceIds: ['r-1'], machines: Array.from({ length: count }, () => ({ ...facts(`i-${next++}`), status: 'pending' as const })) };
    },
    async describe({ machineIds }) {
      return machineIds.map((id) => ({ ...facts(id), status: 'running' as const }));
    },
    async terminate({ machineIds }) {
      return { accepted: [...machineIds], failed: [] };
    },
    async reclaimNotices() {
      return [];
    },
  } as ProviderPort;
}

describe.skipIf(pgState.skip)(`a ${MACHINES}-machine request on PostgreSQL`, () => {
  const schema = uniqueName('hf_trips');
  let base: pg.Pool;
  let counting: CountingPool;
  let storage: PostgresStorage;
  let hf: HostFactory;

  beforeAll(async () => {
    base = new pg.Pool({ connectionString: PG_URL, max: 4 });
    counting = countingPool(base);
    storage = await createPostgresStorage({ pool: counting.pool, schema });
    hf = createHostFactory({ storage, provider: cloud(), limits: { maxPerRequest: MACHINES } });
    await hf.commands.execute(
      CreateTemplate.from({
        template: { templateId: 'Large', maxNumber: 2 * MACHINES, attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '8192'] }, vmType: 'm5.large' },
      }),
    );
  });

  afterAll(async () => {
    hf?.dispose();
    await dropSchema(base, schema);
    await base.end();
  });

  it(`RequestMachines and SyncRequest each send at most ${BOUND} statements, whatever the machine count`, async () => {
    counting.reset();
    const { requestId } = await hf.commands.execute(RequestMachines.from({ templateId: 'Large', machineCount: MACHINES }));
    const requested = counting.statements();
    counting.reset();
    const done = await hf.commands.execute(SyncRequest.from({ requestId }));
    const synced = counting.statements();
    console.log(`${MACHINES} machines on PostgreSQL: RequestMachines ${requested.length} statements, SyncRequest ${synced.length}`);
    expect(done.status).toBe('completed');
    expect(done.machineIds).toHaveLength(MACHINES);
    expect(requested.length, `RequestMachines sent:\n${requested.join('\n')}`).toBeLessThanOrEqual(BOUND);
    expect(synced.length, `SyncRequest sent:\n${synced.join('\n')}`).toBeLessThanOrEqual(BOUND);
    const rows = await base.query<{ n: string }>(`SELECT count(*) AS n FROM ${storage.tables.readModels} WHERE collection = 'machines' AND doc->>'status' = 'running'`);
    expect(Number(rows.rows[0]?.n), 'the machines read model was not brought up to date').toBe(MACHINES);
  });
});
