import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTemplate, RequestMachines } from 'hostfactory-kernel';
import { createTestHostFactory, type TestHostFactory } from 'hostfactory-kernel/testing';
import { NATS_URL, natsAvailability, uniqueName } from '../../postgres-storage/test/support/services';
import { telemetry, type Telemetry } from '../../../test/otel/support';
import { templateInput } from '../../../test/support/templates';
import { ensureEventStream, OutboxRelay } from '../relay';
import { tracedProcess } from '../tracing';

const natsState = await natsAvailability();

describe.skipIf(natsState.skip)('a trace across the outbox and the NATS relay', () => {
  const stream = uniqueName('HFTRACE').toUpperCase();
  const subjectPrefix = `${uniqueName('hftrace')}.events`;
  let nc: NatsConnection;
  let otel: Telemetry;
  let hf: TestHostFactory;

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    await ensureEventStream(await nc.jetstreamManager(), { name: stream, subjectPrefix });
    otel = telemetry({ global: true });
    hf = createTestHostFactory({ instrumentation: otel.instrumentation });
  });

  afterAll(async () => {
    hf?.dispose();
    await otel?.shutdown();
    if (nc !== undefined) {
      await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
      await nc.close();
    }
  });

  it('carries the command trace in a traceparent header that the consumer continues', async () => {
    await hf.commands.execute(CreateTemplate.from({ template: templateInput() }));
    await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 }));
    const command = otel.spans().find((s) => s.name === 'command RequestMachines')!;

    let saved = 0;
    const relay = new OutboxRelay({
      eventLog: hf.storage.eventLog,
      jetstream: nc.jetstream(),
      checkpoint: { load: async () => 0, save: async (position) => void (saved = position) },
      subjectPrefix,
    });
    const round = await relay.relayBatch();
    expect(round.published).toBe(saved);

    const consumer = await nc.jetstream().consumers.get(stream);
    const messages = await consumer.fetch({ max_messages: round.published, expires: 5000 });
    const created = `${subjectPrefix}.Request.RequestCreated`;
    for await (const message of messages) {
      if (message.subject === created) {
        expect(message.headers?.get('traceparent')).toMatch(new RegExp(`^00-${command.spanContext().traceId}-[0-9a-f]{16}-01$`));
        await tracedProcess(message.subject, message.headers, async () => undefined);
      }
      message.ack();
      if (message.info.pending === 0) break;
    }

    const send = otel.spans().find((s) => s.name === `send ${created}`)!;
    const processed = otel.spans().find((s) => s.name === `process ${created}`)!;
    expect(send.parentSpanContext?.spanId).toBe(command.spanContext().spanId);
    expect(processed.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    expect(processed.spanContext().traceId).toBe(command.spanContext().traceId);
  });
});
