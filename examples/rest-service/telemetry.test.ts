import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { LOGGER } from 'hostfactory-kernel';
import { createInMemoryStorage } from 'hostfactory-kernel/testing';
import { telemetry, type Telemetry } from '../../test/otel/support';
import { startRestService, type RestService } from './service';
import { testAuth, token } from './test-harness';

/** A pino logger whose JSON lines land in `lines`. */
function memoryPino(lines: Record<string, unknown>[]) {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return pino({ level: 'debug' }, sink);
}

describe('the REST service with OpenTelemetry and pino', () => {
  let service: RestService | undefined;
  let otel: Telemetry | undefined;
  afterEach(async () => {
    await service?.close();
    await otel?.shutdown();
  });

  it('traces a POST /requests as an HTTP span holding its command, provider call and projections, under the request correlation id', async () => {
    otel = telemetry({ global: true });
    service = await startRestService({ storage: createInMemoryStorage(), port: 0, instrumentation: otel.instrumentation, auth: await testAuth() });
    const response = await fetch(`${service.url}/api/v1/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': 'rest-trace-1', authorization: `Bearer ${await token()}` },
      body: JSON.stringify({ templateId: 'small-ondemand', machineCount: 1 }),
    });
    expect(response.status).toBe(202);
    const command = otel.spans().find((s) => s.name === 'command RequestMachines')!;
    // Fastify ends the HTTP span in onResponse, which may run just after the client has the reply.
    for (let i = 0; i < 100 && !otel.spans().some((s) => s.name === 'POST /api/v1/requests'); i++) await new Promise((r) => setTimeout(r, 10));
    const http = otel.spans().find((s) => s.name === 'POST /api/v1/requests')!;
    expect(http.attributes).toMatchObject({ 'http.route': '/api/v1/requests', 'http.response.status_code': 202 });
    expect(command.parentSpanContext?.spanId).toBe(http.spanContext().spanId);
    expect(command.attributes['messaging.message.conversation_id']).toBe(response.headers.get('x-correlation-id'));
    const children = otel.spans().filter((s) => s.parentSpanContext?.spanId === command.spanContext().spanId).map((s) => s.name);
    expect(children).toEqual(expect.arrayContaining(['provider provision', 'project requests']));
  });

  it("writes the library's log lines and Fastify's request log through one pino logger", async () => {
    const lines: Record<string, unknown>[] = [];
    const log = memoryPino(lines);
    service = await startRestService({ storage: createInMemoryStorage(), port: 0, log, auth: await testAuth() });
    const bearer = await token();
    expect((await fetch(`${service.url}/api/v1/templates`, { headers: { authorization: `Bearer ${bearer}` } })).status).toBe(200);
    const expired = await token({ expiresInSeconds: -600 });
    expect((await fetch(`${service.url}/api/v1/templates`, { headers: { authorization: `Bearer ${expired}` } })).status).toBe(401);
    // The Logger the host factory's kernel binds (and its handlers and middleware log through).
    service.hostFactory.container.get(LOGGER).warn('library line', { requestId: 'req-1' });
    expect(lines.some((l) => l.msg === 'incoming request')).toBe(true);
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: 'library line', requestId: 'req-1' }));
    // A refusal is logged with its reason; no token (nor its signature) ever reaches the log.
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: 'authentication refused', code: 'INVALID_TOKEN', reason: expect.stringContaining('ERR_JWT_EXPIRED') }));
    const logged = JSON.stringify(lines);
    for (const secret of [bearer, expired, bearer.split('.')[2]!, expired.split('.')[2]!]) expect(logged).not.toContain(secret);
  });
});
