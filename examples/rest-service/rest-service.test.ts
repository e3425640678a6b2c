import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GetMachine, type ReconcileResult } from 'hostfactory-kernel';
import { createInMemoryStorage, type TestHostFactory, type TestHostFactoryOptions } from 'hostfactory-kernel/testing';
import { BODY_LIMIT_BYTES, registeredRoutes } from './app';
import { statusForCode } from './errors';
import { OPENAPI_DOCUMENT, type OpenApiMethod } from './openapi';
import { SAMPLE_TEMPLATES, startRestService } from './service';
import { callWith, RecordingLogger, serveTestApp, testAuth, token, type CallOptions, type Reply, type Served } from './test-harness';
import { templateInput } from '../../test/support/templates';

let served: Served | undefined;
let hf: TestHostFactory | undefined;
let app: FastifyInstance | undefined;
let base = '';
let logger: RecordingLogger;
/** These tests call as an operator holding every scope; security.test.ts checks each refusal. */
let adminToken: string;

beforeAll(async () => {
  adminToken = await token();
});

afterEach(async () => {
  await served?.close();
  served = undefined;
  app = undefined;
  hf = undefined;
});

/** A test host factory served on a loopback port. */
async function serve(options: TestHostFactoryOptions = {}): Promise<TestHostFactory> {
  served = await serveTestApp({ hostFactory: options });
  ({ hostFactory: hf, app, base, logger } = served);
  return served.hostFactory;
}

async function call(method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  return callWith(base, adminToken, method, path, options);
}

async function withTemplate(options: TestHostFactoryOptions = {}, overrides: Record<string, unknown> = {}): Promise<TestHostFactory> {
  const hostFactory = await serve(options);
  expect((await call('POST', '/api/v1/templates', { body: { template: templateInput(overrides) } })).status).toBe(201);
  return hostFactory;
}

async function requestMachines(machineCount: number, headers: Record<string, string> = {}): Promise<string> {
  const reply = await call('POST', '/api/v1/requests', { body: { templateId: 'small', machineCount }, headers });
  expect(reply.status, reply.text).toBe(202);
  return reply.body.requestId as string;
}

/** GETs the request (each GET synchronises it) until it is terminal. */
async function pollUntilDone(requestId: string): Promise<any> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const reply = await call('GET', `/api/v1/requests/${requestId}`);
    expect(reply.status, reply.text).toBe(200);
    if (!['pending', 'in_progress'].includes(reply.body.status)) return reply.body;
  }
  throw new Error(`request ${requestId} did not finish`);
}

/** Asserts an RFC 9457 problem document with no internals. */
function expectProblem(reply: Reply, status: number, code: string): any {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.body).toMatchObject({ status, code, title: expect.any(String), detail: expect.any(String), type: expect.any(String) });
  expect(reply.body.instance).toMatch(/^\//);
  expect(reply.body.correlationId).toBe(reply.headers.get('x-correlation-id'));
  expect(reply.text).not.toMatch(/stack|\bat .*\.(ts|js):\d+|node_modules/);
  return reply.body;
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(OPENAPI_DOCUMENT as unknown as object, 'openapi');

/** Asserts `value` matches the named component schema of the OpenAPI document. */
function expectSchema(name: string, value: unknown): void {
  const validate = ajv.getSchema(`openapi#/components/schemas/${name}`);
  if (validate === undefined) throw new Error(`no schema ${name}`);
  expect(validate(value) ? [] : validate.errors, `${name}: ${JSON.stringify(value).slice(0, 300)}`).toEqual([]);
}

describe('REST service: the machine lifecycle over HTTP', () => {
  it('creates a template, requests machines, polls them to completion, returns them and pages through them', async () => {
    await serve();
    const created = await call('POST', '/api/v1/templates', { body: { template: templateInput() } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ templateId: 'small', version: 1 });
    expect(created.headers.get('location')).toBe('/api/v1/templates/small');
    expect(created.headers.get('etag')).toBe('"1"');

    const listed = await call('GET', '/api/v1/templates');
    expect(Object.keys(listed.body)).toEqual(['templates']);
    expect(listed.body.templates).toHaveLength(1);
    expect(listed.body.templates[0]).toMatchObject({ templateId: 'small', maxNumber: 10, availableNumber: 10 });
    expectSchema('TemplateList', listed.body);

    const requestId = await requestMachines(3);
    expect(requestId).toMatch(/^req-/);
    const done = await pollUntilDone(requestId);
    expect(done.status).toBe('completed');
    expect(done.machines).toHaveLength(3);
    expect(done.machines.map((m: { result: string }) => m.result)).toEqual(['succeed', 'succeed', 'succeed']);
    expectSchema('RequestStatus', done);
    const withoutMachines = await call('GET', `/api/v1/requests/${requestId}?includeMachines=false`);
    expect(withoutMachines.body).toMatchObject({ requestId, status: 'completed', machines: [] });
    expectSchema('RequestStatus', withoutMachines.body);
    expect((await call('GET', '/api/v1/templates/small')).body.availableNumber).toBe(7);

    const first = await call('GET', `/api/v1/machines?requestId=${requestId}&limit=2`);
    expect(first.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(first.body.items).toHaveLength(2);
    expectSchema('MachinePage', first.body);
    const second = await call('GET', `/api/v1/machines?requestId=${requestId}&limit=2&offset=2`);
    expect(second.body.items).toHaveLength(1);
    const ids = [...first.body.items, ...second.body.items].map((m: { machineId: string }) => m.machineId).sort();
    expect(ids).toEqual([...done.machineIds].sort());

    const [one, two] = done.machines as { machineId: string; name: string }[];
    const returned = await call('POST', '/api/v1/machines/return', { body: { machines: [{ machineId: one!.machineId }, { name: two!.name }, { name: 'no-such-host' }] } });
    expect(returned.status).toBe(202);
    expect(returned.body).toMatchObject({ requestId: expect.stringMatching(/^ret-/), notFound: ['no-such-host'], alreadyReturning: [] });
    expectSchema('ReturnMachinesResult', returned.body);
    expect((await pollUntilDone(returned.body.requestId)).status).toBe('completed');
    const machine = await call('GET', `/api/v1/machines/${one!.machineId}`);
    expect(machine.body).toMatchObject({ machineId: one!.machineId, status: 'terminated', returnRequestId: returned.body.requestId });
    expectSchema('Machine', machine.body);

    const returns = await call('GET', '/api/v1/requests?type=return');
    expect(returns.body).toMatchObject({ total: 1, items: [{ requestId: returned.body.requestId, type: 'return' }] });
    const page = await call('GET', '/api/v1/requests?limit=1&offset=1');
    expect(page.body).toMatchObject({ total: 2, limit: 1, offset: 1, items: [{ requestId }] });
    expectSchema('RequestPage', page.body);
    expect((await call('GET', '/api/v1/machines?status=running')).body.total).toBe(1);

    const reconciled = await call('POST', '/api/v1/reconcile', { body: { limit: 10 } });
    expect(reconciled.status, reconciled.text).toBe(200);
    expect(reconciled.body).toMatchObject({ errors: 0, conflicts: 0 });
    expectSchema('ReconcileResult', reconciled.body);
    expectProblem(await call('POST', '/api/v1/reconcile', { body: { limit: 0 } }), 400, 'VALIDATION_FAILED');
  });

  it('reads, updates with If-Match, validates and deletes templates', async () => {
    await withTemplate({}, { fleetRole: 'arn:aws:iam::1:role/fleet' });
    const read = await call('GET', '/api/v1/templates/small?includeConfiguration=true');
    expect(read.headers.get('etag')).toBe('"1"');
    expect(read.body).toHaveProperty('configuration');
    expect((await call('GET', '/api/v1/templates/small')).body.configuration).toBeUndefined();

    const updated = await call('PUT', '/api/v1/templates/small', { body: { changes: { maxNumber: 20 } }, headers: { 'if-match': '"1"' } });
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual({ templateId: 'small', version: 2 });
    expect(updated.headers.get('etag')).toBe('"2"');
    const unconditional = await call('PUT', '/api/v1/templates/small', { body: { changes: { active: false } } });
    expect(unconditional.body.version).toBe(3);
    expect((await call('GET', '/api/v1/templates')).body).toEqual({ templates: [] });
    expect((await call('GET', '/api/v1/templates?activeOnly=false')).body.templates).toHaveLength(1);

    const valid = await call('POST', '/api/v1/templates/validate', { body: { template: templateInput({ templateId: 'other' }) } });
    expect(valid.body).toEqual({ valid: true, issues: [] });
    const invalid = await call('POST', '/api/v1/templates/validate', { body: { template: templateInput({ maxNumber: 20000 }) } });
    expect(invalid.status).toBe(200);
    expect(invalid.body.valid).toBe(false);
    expectSchema('TemplateIssuesReport', invalid.body);

    expect((await call('DELETE', '/api/v1/templates/small')).body).toEqual({ templateId: 'small' });
    expectProblem(await call('GET', '/api/v1/templates/small'), 404, 'TEMPLATE_NOT_FOUND');
  });
});

describe('REST service: JSON fields of the DTOs', () => {
  // Regression: toPlain() used to run class-transformer's excludeAll strategy over the copy
  // @JsonField() returns, emptying attributes, instanceTags, tags and configuration.
  it('keeps attributes, tags and provider configuration intact', async () => {
    await withTemplate({}, { fleetRole: 'arn:aws:iam::1:role/fleet', instanceTags: { team: 'hpc' } });
    const template = (await call('GET', '/api/v1/templates/small?includeConfiguration=true')).body;
    expectSchema('Template', template);
    expect(template.configuration).toEqual({ userData: null, providerConfig: { fleetRole: 'arn:aws:iam::1:role/fleet' } });
    expect(template.attributes).toEqual(templateInput().attributes);
    expect(template.instanceTags).toEqual({ team: 'hpc' });
    const requestId = (await call('POST', '/api/v1/requests', { body: { templateId: 'small', machineCount: 1, tags: { job: '7' } } })).body.requestId;
    expect((await pollUntilDone(requestId)).tags).toEqual({ job: '7' });
  });
});

describe('REST service: query strings are converted explicitly', () => {
  it('accepts exactly true and false for booleans', async () => {
    await withTemplate();
    const problem = expectProblem(await call('GET', '/api/v1/templates?activeOnly=yes&includeConfiguration=1'), 400, 'VALIDATION_FAILED');
    expect(problem.issues.map((i: { path: string }) => i.path)).toEqual(['activeOnly', 'includeConfiguration']);
    expect((await call('GET', '/api/v1/templates?activeOnly=false&includeConfiguration=true')).body.templates[0].configuration).toBeDefined();
  });

  it('accepts only integers for paging, and lets the query enforce the range', async () => {
    await serve();
    expect(expectProblem(await call('GET', '/api/v1/requests?limit=1.5'), 400, 'VALIDATION_FAILED').issues[0]).toMatchObject({ path: 'limit', constraint: 'isInt' });
    expect(expectProblem(await call('GET', '/api/v1/machines?offset=abc'), 400, 'VALIDATION_FAILED').issues[0]).toMatchObject({ path: 'offset' });
    expect(expectProblem(await call('GET', '/api/v1/requests?limit=0'), 400, 'VALIDATION_FAILED').issues[0]).toMatchObject({ path: 'limit', constraint: 'min' });
    expect(expectProblem(await call('GET', '/api/v1/requests?status=done'), 400, 'VALIDATION_FAILED').issues[0]).toMatchObject({ path: 'status' });
    expect((await call('GET', '/api/v1/requests?limit=5&offset=0')).body).toEqual({ items: [], total: 0, limit: 5, offset: 0 });
  });

  it('rejects unknown and repeated parameters', async () => {
    await serve();
    expect(expectProblem(await call('GET', '/api/v1/templates?colour=red'), 400, 'VALIDATION_FAILED').issues[0]).toMatchObject({ path: 'colour' });
    expect(expectProblem(await call('GET', '/api/v1/requests?limit=1&limit=2'), 400, 'VALIDATION_FAILED').issues[0]).toMatchObject({ path: 'limit' });
    expect(expectProblem(await call('GET', '/api/v1/templates/small?templateId=big'), 400, 'VALIDATION_FAILED').issues[0]).toMatchObject({ path: 'templateId' });
  });
});

describe('REST service: every error code has its status and a problem body', () => {
  it('VALIDATION_FAILED → 400 with every field issue', async () => {
    await withTemplate();
    const problem = expectProblem(await call('POST', '/api/v1/requests', { body: { templateId: 'bad id!', machineCount: 'two' } }), 400, 'VALIDATION_FAILED');
    expect([...new Set(problem.issues.map((i: { path: string }) => i.path))].sort()).toEqual(['machineCount', 'templateId']);
    expect(problem.instance).toBe('/api/v1/requests');
    expect(problem.type).toBe('urn:hostfactory-kernel:problem:validation-failed');
    expectSchema('Problem', problem);
    const template = expectProblem(await call('POST', '/api/v1/templates', { body: { template: templateInput({ templateId: 'x', maxNumber: 20000 }) } }), 400, 'VALIDATION_FAILED');
    expect(template.issues.map((i: { path: string }) => i.path)).toContain('template.maxNumber');
    expectProblem(await call('POST', '/api/v1/templates'), 400, 'VALIDATION_FAILED');
    expectProblem(await call('POST', '/api/v1/machines/return', { body: [] }), 400, 'VALIDATION_FAILED');
  });

  it('TEMPLATE_NOT_FOUND, REQUEST_NOT_FOUND, MACHINE_NOT_FOUND and unknown routes → 404', async () => {
    await serve();
    expectProblem(await call('GET', '/api/v1/templates/nope'), 404, 'TEMPLATE_NOT_FOUND');
    expectProblem(await call('POST', '/api/v1/requests', { body: { templateId: 'nope', machineCount: 1 } }), 404, 'TEMPLATE_NOT_FOUND');
    expectProblem(await call('GET', '/api/v1/requests/req-00000000-0000-4000-8000-00000000ffff'), 404, 'REQUEST_NOT_FOUND');
    expectProblem(await call('POST', '/api/v1/requests/req-00000000-0000-4000-8000-00000000ffff/cancel'), 404, 'REQUEST_NOT_FOUND');
    expectProblem(await call('GET', '/api/v1/machines/i-nope'), 404, 'MACHINE_NOT_FOUND');
    expectProblem(await call('POST', '/api/v1/machines/return', { body: { machines: [{ name: 'ghost' }] } }), 404, 'MACHINE_NOT_FOUND');
    expectProblem(await call('GET', '/api/v1/nothing-here'), 404, 'ROUTE_NOT_FOUND');
    expectProblem(await call('PATCH', '/api/v1/templates/x', { body: {} }), 404, 'ROUTE_NOT_FOUND');
  });

  it('TEMPLATE_ALREADY_EXISTS → 409', async () => {
    await withTemplate();
    const problem = expectProblem(await call('POST', '/api/v1/templates', { body: { template: templateInput() } }), 409, 'TEMPLATE_ALREADY_EXISTS');
    expect(problem.details).toEqual({ templateId: 'small' });
  });

  it('TEMPLATE_IN_USE → 409 naming the open request', async () => {
    const hostFactory = await withTemplate();
    hostFactory.fake!.script({ templateId: 'small' }, { bootAfterSyncs: 100 });
    const requestId = await requestMachines(1);
    const problem = expectProblem(await call('DELETE', '/api/v1/templates/small'), 409, 'TEMPLATE_IN_USE');
    expect(problem.detail).toContain(requestId);
  });

  it('CONCURRENCY_CONFLICT → 409 when If-Match names a stale version', async () => {
    await withTemplate();
    expect((await call('PUT', '/api/v1/templates/small', { body: { changes: { maxNumber: 20 } }, headers: { 'if-match': '"1"' } })).status).toBe(200);
    const problem = expectProblem(
      await call('PUT', '/api/v1/templates/small', { body: { changes: { maxNumber: 30 } }, headers: { 'if-match': '"1"' } }),
      409,
      'CONCURRENCY_CONFLICT',
    );
    expect(problem.details).toMatchObject({ expectedVersion: 1, actualVersion: 2 });
    expectProblem(await call('PUT', '/api/v1/templates/small', { body: { changes: {}, expectedVersion: 1 } }), 409, 'CONCURRENCY_CONFLICT');
    expectProblem(await call('PUT', '/api/v1/templates/small', { body: { changes: {} }, headers: { 'if-match': 'W/"2"' } }), 400, 'VALIDATION_FAILED');
    const clash = expectProblem(
      await call('PUT', '/api/v1/templates/small', { body: { changes: {}, expectedVersion: 1 }, headers: { 'if-match': '"2"' } }),
      400,
      'VALIDATION_FAILED',
    );
    expect(clash.issues[0].path).toBe('expectedVersion');
    expectProblem(await call('PUT', '/api/v1/templates/small', { body: { templateId: 'other', changes: {} } }), 400, 'VALIDATION_FAILED');
  });

  it('INVALID_REQUEST_STATE_TRANSITION → 409 when cancelling a completed request', async () => {
    await withTemplate();
    const requestId = await requestMachines(1);
    expect((await pollUntilDone(requestId)).status).toBe('completed');
    expectProblem(await call('POST', `/api/v1/requests/${requestId}/cancel`, { body: { reason: 'too late' } }), 409, 'INVALID_REQUEST_STATE_TRANSITION');
  });

  it('cancels an open request', async () => {
    const hostFactory = await withTemplate();
    hostFactory.fake!.script({ templateId: 'small' }, { bootAfterSyncs: 100 });
    const requestId = await requestMachines(1);
    const cancelled = await call('POST', `/api/v1/requests/${requestId}/cancel`, { body: { reason: 'job gone' } });
    expect(cancelled.body).toMatchObject({ requestId, status: 'cancelled', statusMessage: 'job gone' });
    expectSchema('Request', cancelled.body);
  });

  it('TEMPLATE_INACTIVE → 409', async () => {
    await withTemplate({}, { active: false });
    expectProblem(await call('POST', '/api/v1/requests', { body: { templateId: 'small', machineCount: 1 } }), 409, 'TEMPLATE_INACTIVE');
  });

  it('TEMPLATE_CAPACITY_EXCEEDED → 422', async () => {
    await withTemplate();
    expectProblem(await call('POST', '/api/v1/requests', { body: { templateId: 'small', machineCount: 11 } }), 422, 'TEMPLATE_CAPACITY_EXCEEDED');
  });

  it('PROVIDER_ERROR → 502 naming the request it left failed', async () => {
    const hostFactory = await withTemplate();
    hostFactory.fake!.script({ templateId: 'small' }, { throwAt: { provision: 'API throttled' } });
    const problem = expectProblem(await call('POST', '/api/v1/requests', { body: { templateId: 'small', machineCount: 1 } }), 502, 'PROVIDER_ERROR');
    expect(problem.detail).toContain('API throttled');
    expect(problem.details.requestId).toMatch(/^req-/);
    hostFactory.fake!.script({ templateId: 'small' }, { throwAt: {} });
    expect((await call('GET', `/api/v1/requests/${problem.details.requestId}`)).body.status).toBe('failed');
  });

  it('TIMEOUT → 504 when the provider does not answer in time', async () => {
    const hostFactory = await withTemplate({ limits: { providerTimeoutMs: 50 } });
    hostFactory.fake!.script({ templateId: 'small' }, { hangAt: { provision: true } });
    const problem = expectProblem(await call('POST', '/api/v1/requests', { body: { templateId: 'small', machineCount: 1 } }), 504, 'TIMEOUT');
    expect(problem.details).toMatchObject({ timeoutMs: 50 });
  });

  it('an unexpected error → 500 with no internals in the body, logged with its stack', async () => {
    const hostFactory = await serve();
    hostFactory.queries.register(GetMachine, {
      handle: () => {
        throw new TypeError('cannot read db password=hunter2 from /srv/secrets/db.ts');
      },
    });
    const reply = await call('GET', '/api/v1/machines/i-1', { headers: { 'x-correlation-id': 'trace-500' } });
    const problem = expectProblem(reply, 500, 'INTERNAL_ERROR');
    expect(problem).toMatchObject({ type: 'about:blank', title: 'Internal Server Error', correlationId: 'trace-500' });
    expect(reply.text).not.toMatch(/hunter2|secrets|TypeError/);
    const logged = logger.lines.find((line) => line.level === 'error');
    expect(logged?.fields).toMatchObject({ correlationId: 'trace-500', status: 500 });
    expect(String(logged?.fields?.error)).toContain('hunter2');
  });

  it('maps codes by rule: *_NOT_FOUND → 404 except the wiring fault HANDLER_NOT_FOUND → 500', () => {
    expect(statusForCode('RETURN_REQUEST_NOT_FOUND').status).toBe(404);
    expect(statusForCode('HANDLER_NOT_FOUND').status).toBe(500);
    expect(statusForCode('INVALID_MACHINE_STATE_TRANSITION').status).toBe(409);
    expect(statusForCode('KERNEL_DISPOSED').status).toBe(500);
  });
});

describe('REST service: idempotency and correlation', () => {
  it('answers a repeated POST /requests with the same Idempotency-Key with the same request, provisioning once', async () => {
    const hostFactory = await withTemplate();
    const first = await requestMachines(2, { 'idempotency-key': 'job-42' });
    const again = await requestMachines(2, { 'idempotency-key': 'job-42' });
    expect(again).toBe(first);
    expect(hostFactory.fake!.callsTo('provision')).toHaveLength(1);
    expect(await requestMachines(2, { 'idempotency-key': 'job-43' })).not.toBe(first);
    expect(hostFactory.fake!.callsTo('provision')).toHaveLength(2);
    const clash = await call('POST', '/api/v1/requests', { body: { templateId: 'small', machineCount: 1, idempotencyKey: 'a' }, headers: { 'idempotency-key': 'b' } });
    expect(expectProblem(clash, 400, 'VALIDATION_FAILED').issues[0].path).toBe('idempotencyKey');
  });

  it('echoes the caller’s X-Correlation-Id and records it on the events', async () => {
    const hostFactory = await serve();
    const created = await call('POST', '/api/v1/templates', { body: { template: templateInput() }, headers: { 'x-correlation-id': 'trace-template' } });
    expect(created.headers.get('x-correlation-id')).toBe('trace-template');
    const reply = await call('POST', '/api/v1/requests', { body: { templateId: 'small', machineCount: 1 }, headers: { 'x-correlation-id': 'trace-request' } });
    await call('GET', `/api/v1/requests/${reply.body.requestId}`, { headers: { 'x-correlation-id': 'trace-sync' } });

    const events = (await hostFactory.storage.eventLog.readAfter(0, 1000)).map(({ event }) => event);
    expect(events.filter((e) => e.type === 'TemplateCreated').map((e) => e.correlationId)).toEqual(['trace-template']);
    const ofRequest = events.filter((e) => e.type === 'RequestCreated' || e.type === 'MachineCreated');
    expect(ofRequest.length).toBeGreaterThan(1);
    expect(new Set(ofRequest.map((e) => e.correlationId))).toEqual(new Set(['trace-request']));
    expect(events.filter((e) => e.type === 'RequestCompleted').map((e) => e.correlationId)).toEqual(['trace-sync']);
  });

  it('generates a correlation id when none is sent, and rejects an unsafe one', async () => {
    const hostFactory = await serve();
    const created = await call('POST', '/api/v1/templates', { body: { template: templateInput() } });
    const generated = created.headers.get('x-correlation-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    const [event] = await hostFactory.storage.eventLog.readAfter(0, 1);
    expect(event?.event.correlationId).toBe(generated);

    const bad = await call('GET', '/api/v1/templates', { headers: { 'x-correlation-id': 'bad id with spaces' } });
    const problem = expectProblem(bad, 400, 'VALIDATION_FAILED');
    expect(problem.issues[0].path).toBe('X-Correlation-Id');
    expect(problem.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expectProblem(await call('GET', '/api/v1/templates', { headers: { 'x-correlation-id': 'x'.repeat(129) } }), 400, 'VALIDATION_FAILED');
  });
});

describe('REST service: request bodies', () => {
  it('answers malformed JSON with 400 MALFORMED_JSON and no stack', async () => {
    await serve();
    const problem = expectProblem(await call('POST', '/api/v1/templates', { raw: '{"template": {' }), 400, 'MALFORMED_JSON');
    expect(problem.detail).toBe('The request body is not valid JSON.');
    expectProblem(await call('POST', '/api/v1/requests', { raw: '' }), 400, 'MALFORMED_JSON');
    expectProblem(await call('POST', '/api/v1/requests', { raw: '{"__proto__": {"admin": true}}' }), 400, 'MALFORMED_JSON');
  });

  it(`answers bodies over ${BODY_LIMIT_BYTES} bytes with 413 PAYLOAD_TOO_LARGE`, async () => {
    await withTemplate();
    const body = { template: templateInput({ templateId: 'huge', userData: 'x'.repeat(BODY_LIMIT_BYTES) }) };
    expectProblem(await call('POST', '/api/v1/templates', { body }), 413, 'PAYLOAD_TOO_LARGE');
    const fits = { template: templateInput({ templateId: 'big', userData: 'x'.repeat(BODY_LIMIT_BYTES - 1000) }) };
    expect((await call('POST', '/api/v1/templates', { body: fits })).status).not.toBe(413);
  });

  it('rejects unknown fields with 400 naming each', async () => {
    await withTemplate();
    const problem = expectProblem(await call('POST', '/api/v1/requests', { body: { templateId: 'small', machineCount: 1, colour: 'red' } }), 400, 'VALIDATION_FAILED');
    expect(problem.issues).toEqual([expect.objectContaining({ path: 'colour', constraint: 'whitelistValidation' })]);
    const nested = expectProblem(await call('POST', '/api/v1/machines/return', { body: { machines: [{ name: 'h', owner: 'me' }] } }), 400, 'VALIDATION_FAILED');
    expect(nested.issues[0].path).toBe('machines[0].owner');
  });

  it('rejects bodies that are not JSON objects', async () => {
    await serve();
    expectProblem(await call('POST', '/api/v1/requests', { raw: 'templateId=small', contentType: 'text/plain' }), 400, 'VALIDATION_FAILED');
    expectProblem(await call('POST', '/api/v1/requests', { raw: '<request/>', contentType: 'application/xml' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectProblem(await call('POST', '/api/v1/requests', { body: null }), 400, 'VALIDATION_FAILED');
  });
});

describe('REST service: OpenAPI document', () => {
  const operations = () =>
    Object.entries(OPENAPI_DOCUMENT.paths).flatMap(([path, item]) =>
      (Object.keys(item) as OpenApiMethod[]).map((method) => ({ key: `${method.toUpperCase()} ${path}`, path, operation: item[method]! })),
    );

  it('describes exactly the routes the app registers', async () => {
    await serve();
    const served = await call('GET', '/api/v1/openapi.json');
    expect(served.status).toBe(200);
    expect(served.body).toEqual(JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)));
    const routes = registeredRoutes(app!).map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
    expect(new Set(routes).size).toBe(routes.length);
    expect(routes.sort()).toEqual(operations().map((o) => o.key).sort());
    // Each operation declares the access its route enforces (access.ts): none, any token, or the route's scope.
    for (const route of registeredRoutes(app!)) {
      const key = `${route.method.toLowerCase()} ${route.url.replace(/:(\w+)/g, '{$1}')}`;
      const operation = operations().find((o) => `${o.key.split(' ')[0]!.toLowerCase()} ${o.path}` === key)!.operation;
      const expected = route.access === 'public' ? [] : [{ bearerAuth: route.access === 'authenticated' ? [] : [route.access] }];
      expect(operation.security, key).toEqual(expected);
      if (route.access !== 'public') expect(Object.keys(operation.responses), key).toContain('401');
    }
  });

  it('is well-formed: unique operation ids, declared path parameters, resolvable references, compilable schemas', () => {
    expect(OPENAPI_DOCUMENT.openapi).toBe('3.1.0');
    const ids = operations().map((o) => o.operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const resolve = (pointer: string): unknown =>
      pointer
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], OPENAPI_DOCUMENT);
    const refs = JSON.stringify(OPENAPI_DOCUMENT).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) expect(resolve(ref.slice(8, -1)), ref).toBeDefined();
    for (const { key, path, operation } of operations()) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = (operation.parameters ?? []).flatMap((p) => ('in' in p && p.in === 'path' ? [p.name] : []));
      expect(declared, key).toEqual(inPath);
      expect(Object.keys(operation.responses).length, key).toBeGreaterThan(0);
      expect(Object.keys(operation.responses).some((status) => status.startsWith('2')), key).toBe(true);
    }
    for (const name of Object.keys(OPENAPI_DOCUMENT.components.schemas)) {
      expect(() => ajv.getSchema(`openapi#/components/schemas/${name}`), name).not.toThrow();
    }
  });
});

describe('REST service: the runnable server', () => {
  it('imports the sample templates and serves them on 127.0.0.1', async () => {
    const service = await startRestService({ storage: createInMemoryStorage(), port: 0, auth: await testAuth() });
    try {
      expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(service.imported.map((t) => t.action)).toEqual(['created', 'created', 'created']);
      const response = await fetch(`${service.url}/api/v1/templates`, { headers: { authorization: `Bearer ${adminToken}` } });
      const { templates } = (await response.json()) as { templates: { templateId: string }[] };
      expect(templates.map((t) => t.templateId).sort()).toEqual(SAMPLE_TEMPLATES.templates.map((t) => t.templateId).sort());
      expect((await fetch(`${service.url}/health`)).status).toBe(200);
    } finally {
      await service.close();
    }
  });

  it('runs the reconciler while it serves, and stops it on close', async () => {
    const service = await startRestService({ storage: createInMemoryStorage(), port: 0, reconcileEveryMs: 100, auth: await testAuth() });
    try {
      expect(service.hostFactory.reconciler.running).toBe(true);
      const reconciled = new Promise<ReconcileResult>((resolve) => service.hostFactory.reconciler.start({ everyMs: 100, onRun: resolve }));
      expect(await reconciled).toMatchObject({ errors: 0, conflicts: 0 });
    } finally {
      await service.close();
    }
    expect(service.hostFactory.reconciler.running).toBe(false);
  });
});
