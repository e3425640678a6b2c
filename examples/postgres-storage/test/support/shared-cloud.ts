import type pg from 'pg';
import type { ProviderMachine, ProviderPort, ProvisionResult, ReclaimNotice, TerminateResult } from 'hostfactory-kernel';

interface CloudRow {
  machine_id: string;
  request_id: string;
  status: ProviderMachine['status'];
  name: string;
}

/**
 * A fake cloud that several processes share: machines live in a table of the test schema, so a
 * machine one worker provisioned can be described or terminated by another. Each `describe` moves
 * the machines it reports one step (pending → running, shutting-down → terminated).
 */
export class SharedCloud implements ProviderPort {
  readonly #table: string;

  constructor(
    private readonly pool: pg.Pool,
    schema: string,
  ) {
    this.#table = `"${schema}".cloud_machines`;
  }

  /** Creates the cloud's table if missing. */
  static async install(pool: pg.Pool, schema: string): Promise<void> {
    await pool.query(
      `CREATE TABLE IF NOT EXISTS "${schema}".cloud_machines (machine_id text PRIMARY KEY, request_id text NOT NULL, status text NOT NULL, name text NOT NULL)`,
    );
  }

  /** Idempotent per request id: machine ids derive from it, so a repeated call creates nothing new. */
  async provision(input: { requestId: string; count: number }): Promise<ProvisionResult> {
    const ids = Array.from({ length: input.count }, (_, i) => `${input.requestId}-m${i + 1}`);
    await this.pool.query(
      `INSERT INTO ${this.#table} (machine_id, request_id, status, name)
       SELECT id, $2, 'pending', 'host-' || md5(id) FROM unnest($1::text[]) AS id ON CONFLICT DO NOTHING`,
      [ids, input.requestId],
    );
    const { rows } = await this.pool.query<CloudRow>(`SELECT * FROM ${this.#table} WHERE request_id = $1 ORDER BY machine_id`, [input.requestId]);
    return { resourceIds: [`fleet-${input.requestId}`], machines: rows.map(report) };
  }

  async describe(input: { requestId: string; machineIds: readonly string[] }): Promise<ProviderMachine[]> {
    const { rows } = await this.pool.query<CloudRow>(
      `UPDATE ${this.#table}
          SET status = CASE status WHEN 'pending' THEN 'running' WHEN 'shutting-down' THEN 'terminated' ELSE status END
        WHERE request_id = $1 OR machine_id = ANY($2)
        RETURNING *`,
      [input.requestId, [...input.machineIds]],
    );
    return rows.sort((a, b) => a.machine_id.localeCompare(b.machine_id)).map(report);
  }

  /** Every machine named is accepted; ones already gone too. */
  async terminate(input: { machineIds: readonly string[] }): Promise<TerminateResult> {
    await this.pool.query(`UPDATE ${this.#table} SET status = 'shutting-down' WHERE machine_id = ANY($1) AND status NOT IN ('terminated', 'shutting-down')`, [
      [...input.machineIds],
    ]);
    return { accepted: [...input.machineIds], failed: [] };
  }

  async reclaimNotices(): Promise<ReclaimNotice[]> {
    return [];
  }
}

function report(row: CloudRow): ProviderMachine {
  return { machineId: row.machine_id, status: row.status, name: row.name, instanceType: 'm5.large', priceType: 'ondemand', resourceId: `fleet-${row.request_id}` };
}
