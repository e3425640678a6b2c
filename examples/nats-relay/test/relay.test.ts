import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTemplate, RequestMachines, SyncRequest, createHostFactory, type HostFactory } from 'hostfactory-kernel';
import { Template, type DomainContext } from 'hostfactory-kernel/storage';
import { FakeProvider } from 'hostfactory-kernel/testing';
import { createPostgresStorage, type PostgresStorage } from '../../postgres-storage/index';
import { buildScript } from '../../postgres-storage/test/support/build-script';
import { startNode, jsonResult, type Child } from '../../postgres-storage/test/support/child-process';
import { dropSchema, NATS_URL, natsAvailability, PG_URL, postgresAvailability, uniqueName } from '../../postgres-storage/test/support/services';

const pgState = await postgresAvailability();
const natsState = await natsAvailability();

let counter = 0;
const ctx = (): DomainContext => ({ now: new Date(), ids: { uuid: () => crypto.randomUUID() } });

/** Commits `rounds` transactions that each create or update ten templates: lots of events, fast. */
async function churnTemplates(storage: PostgresStorage, rounds: number): Promise<void> {
  const attributes = { type: ['String', 'X86_64'], ncpus: ['Numeric', '1'], nram: ['Numeric', '1024'] };
  for (let round = 0; round < rounds; round += 1) {
    const batch = counter++;
    await storage.unitOfWork.transaction(async (tx) => {
      for (let i = 0; i < 10; i += 1) {
        const id = `churn-${i}`;
        const existing = await tx.templates.get(id);
        const template = existing ?? Template.create({ templateId: id, maxNumber: 1, attributes, vmType: 'm5.large' }, ctx());
        const read = existing?.version ?? 0;
        if (existing !== undefined) template.update({ maxNumber: batch + 2 }, ctx());
        await tx.templates.save(template, read);
        tx.outbox.append(template.pullEvents());
      }
    });
  }
}

/** Runs a few real acquire requests through the library, to put Request and Machine events in the log. */
async function acquireSome(hf: HostFactory, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const { requestId } = await hf.commands.execute(RequestMachines.from({ templateId: 'pool', machineCount: 2 }));
    await hf.commands.execute(SyncRequest.from({ requestId }));
    await hf.commands.execute(SyncRequest.from({ requestId }));
  }
}

/** Resolves with the first stdout JSON line of `child` that satisfies `test`. */
async function waitForLine(child: Child, test: (line: Record<string, unknown>) => boolean, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const line of child.output.stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (test(parsed)) return parsed;
    }
    if (child.process.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`child never printed the expected line\n--- stdout\n${child.output.stdout}\n--- stderr\n${child.output.stderr}`);
}

describe.skipIf(pgState.skip || natsState.skip)('NATS relay', () => {
  const schema = uniqueName('hf_relay');
  const stream = uniqueName('HFTEST').toUpperCase();
  const subjectPrefix = `${uniqueName('hftest')}.events`;
  let pool: pg.Pool;
  let nc: NatsConnection;
  let storage: PostgresStorage;
  let hf: HostFactory;
  let scripts: { relay: string; consumer: string };
  const children: Child[] = [];

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: PG_URL, max: 6 });
    nc = await connect({ servers: NATS_URL });
    storage = await createPostgresStorage({ pool, schema });
    hf = createHostFactory({ storage, provider: new FakeProvider() });
    await hf.commands.execute(
      CreateTemplate.from({ template: { templateId: 'pool', maxNumber: 1000, vmType: 'm5.large', attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] } } }),
    );
    const [relay, consumer] = await Promise.all([
      buildScript(new URL('../relay-main.ts', import.meta.url).pathname, 'relay-main'),
      buildScript(new URL('../consumer-main.ts', import.meta.url).pathname, 'consumer-main'),
    ]);
    scripts = { relay, consumer };
  }, 60_000);

  afterAll(async () => {
    for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGKILL');
    hf?.dispose();
    if (scripts !== undefined) for (const script of Object.values(scripts)) rmSync(dirname(script), { recursive: true, force: true });
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => false);
    await nc.close();
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('killed mid-stream and restarted, delivers every event once to a consumer, in per-aggregate order', async () => {
    const relayEnv = { PG_URL, NATS_URL, SCHEMA: schema, STREAM: stream, SUBJECT_PREFIX: subjectPrefix };
    await churnTemplates(storage, 30);
    await acquireSome(hf, 4);
    // First relay: small throttled batches, killed without warning while writers keep committing.
    const first = startNode(scripts.relay, { ...relayEnv, BATCH_SIZE: '25', THROTTLE_MS: '25' });
    children.push(first);
    const producing = (async () => {
      await churnTemplates(storage, 20);
      await acquireSome(hf, 4);
      await churnTemplates(storage, 10);
    })();
    await waitForLine(first, (line) => typeof line.checkpoint === 'number' && line.checkpoint >= 150);
    first.process.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const { rows } = await pool.query<{ position: string }>(`SELECT position FROM "${schema}".relay_checkpoints`);
    const checkpointAtKill = Number(rows[0]?.position);
    await producing;
    const head = await storage.eventLog.head();
    expect(checkpointAtKill).toBeLessThan(head);
    // Also the narrowest crash window: events acknowledged by the stream, checkpoint not yet saved.
    const rewound = checkpointAtKill - 20;
    await pool.query(`UPDATE "${schema}".relay_checkpoints SET position = $1`, [rewound]);
    // Second relay resumes from the checkpoint; re-sent events are dropped by the duplicate window.
    const second = startNode(scripts.relay, relayEnv);
    children.push(second);
    const jsm = await nc.jetstreamManager();
    const deadline = Date.now() + 30_000;
    while ((await jsm.streams.info(stream)).state.messages < head && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await waitForLine(second, (line) => line.checkpoint === head);
    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const rounds = second.output.stdout.split('\n').filter((l) => l.includes('"published"')).map((l) => JSON.parse(l) as { published: number; duplicates: number });
    expect(rounds.reduce((n, r) => n + r.published, 0)).toBe(head - rewound);
    expect(rounds.reduce((n, r) => n + r.duplicates, 0)).toBeGreaterThanOrEqual(20);
    expect((await jsm.streams.info(stream)).state.messages).toBe(head);

    // The consumer, in its own process, applies every event exactly once, then exits.
    const consumer = startNode(scripts.consumer, { PG_URL, NATS_URL, SCHEMA: schema, STREAM: stream, DURABLE: 'request-status', EXPECT: String(head) });
    children.push(consumer);
    const watchdog = setTimeout(() => consumer.process.kill('SIGTERM'), 30_000);
    const stats = await jsonResult<{ applied: number; duplicates: number; outOfOrder: number; counts: Record<string, number> }>(consumer);
    clearTimeout(watchdog);
    expect({ applied: stats.applied, duplicates: stats.duplicates, outOfOrder: stats.outOfOrder }).toEqual({ applied: head, duplicates: 0, outOfOrder: 0 });

    const delivered = await pool.query<{ event_id: string; aggregate: string; position: string; stream_seq: string }>(
      `SELECT event_id, aggregate, position, stream_seq FROM "${schema}".consumer_processed_events ORDER BY stream_seq`,
    );
    const log = await storage.eventLog.readAfter(0, head + 1);
    expect(delivered.rows.map((r) => r.event_id).sort()).toEqual(log.map((s) => s.event.eventId).sort());
    const lastByAggregate = new Map<string, number>();
    for (const row of delivered.rows) {
      expect(Number(row.position), `order of ${row.aggregate}`).toBeGreaterThan(lastByAggregate.get(row.aggregate) ?? 0);
      lastByAggregate.set(row.aggregate, Number(row.position));
    }
    const requests = await pool.query<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM ${storage.tables.requests} GROUP BY status`);
    expect(stats.counts).toEqual(Object.fromEntries(requests.rows.map((r) => [r.status, Number(r.n)])));
  }, 90_000);
});
