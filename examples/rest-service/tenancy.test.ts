import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from 'hostfactory-kernel';
import { SCOPES } from './access';
import type { CallerLimitOptions } from './caller-limits';
import { ListOwnedRequests } from './tenancy';
import { callWith, serveTestApp, token, type CallOptions, type Reply, type Served } from './test-harness';
import { templateInput } from '../../test/support/templates';

let served: Served | undefined;
let admin: string;
let alice: string;
let bob: string;
const TENANT_SCOPES = [SCOPES.read, SCOPES.request, SCOPES.return];

beforeAll(async () => {
  admin = await token();
  alice = await token({ subject: 'alice', tenant: 'team-a', scopes: TENANT_SCOPES });
  bob = await token({ subject: 'bob', tenant: 'team-b', scopes: TENANT_SCOPES });
});

afterEach(async () => {
  await served?.close();
  served = undefined;
});

function call(method: string, path: string, bearer: string, options: CallOptions = {}): Promise<Reply> {
  return callWith(served!.base, bearer, method, path, options);
}

/** The app with a `small` template (maxNumber 10), created by the admin. */
async function serveWithTemplate(limits?: CallerLimitOptions): Promise<Served> {
  served = await serveTestApp({ app: limits === undefined ? {} : { limits } });
  expect((await call('POST', '/api/v1/templates', admin, { body: { template: templateInput() } })).status).toBe(201);
  return served;
}

async function requestMachines(bearer: string, machineCount: number, headers: Record<string, string> = {}): Promise<string> {
  const reply = await call('POST', '/api/v1/requests', bearer, { body: { templateId: 'small', machineCount }, headers });
  expect(reply.status, reply.text).toBe(202);
  return reply.body.requestId as string;
}

async function events(): Promise<DomainEvent[]> {
  return (await served!.hostFactory.storage.eventLog.readAfter(0, 1000)).map((s) => s.event);
}

describe('REST tenancy: a tenant sees only its own requests', () => {
  it('answers another tenant’s request 404, lists only the caller’s, and lets the admin see all', async () => {
    await serveWithTemplate();
    const ofAlice = await requestMachines(alice, 1);
    const ofBob = await requestMachines(bob, 2);

    expect((await call('GET', `/api/v1/requests/${ofAlice}`, alice)).body).toMatchObject({ requestId: ofAlice });
    const foreign = await call('GET', `/api/v1/requests/${ofAlice}`, bob);
    expect(foreign.status).toBe(404);
    expect(foreign.body).toMatchObject({ code: 'REQUEST_NOT_FOUND', details: { requestId: ofAlice } });
    // The same answer as for a request that does not exist: no way to probe other tenants' ids.
    const missing = await call('GET', '/api/v1/requests/req-00000000-0000-4000-8000-00000000ffff', bob);
    expect(missing.body.detail.replace(/req-[0-9a-f-]+/, 'ID')).toBe(foreign.body.detail.replace(/req-[0-9a-f-]+/, 'ID'));

    const listedByBob = await call('GET', '/api/v1/requests', bob);
    expect(listedByBob.body).toMatchObject({ total: 1, limit: 50, offset: 0, items: [{ requestId: ofBob, requestedCount: 2 }] });
    expect((await call('GET', '/api/v1/requests?status=completed', bob)).body.total).toBe(0);
    expect((await call('GET', '/api/v1/requests?type=acquire&limit=1', alice)).body).toMatchObject({ total: 1, items: [{ requestId: ofAlice }] });
    const all = await call('GET', '/api/v1/requests', admin);
    expect(all.body.items.map((r: { requestId: string }) => r.requestId).sort()).toEqual([ofAlice, ofBob].sort());
    expect((await call('GET', `/api/v1/requests/${ofBob}`, admin)).status).toBe(200);
    // A tenant cannot widen its list by naming another tenant.
    expect((await call('GET', '/api/v1/requests?tenant=team-a', bob)).status).toBe(400);
  });

  it('refuses to cancel another tenant’s request, leaving it untouched', async () => {
    const { hostFactory } = await serveWithTemplate();
    hostFactory.fake!.script({ templateId: 'small' }, { bootAfterSyncs: 100 });
    const ofAlice = await requestMachines(alice, 1);
    const refused = await call('POST', `/api/v1/requests/${ofAlice}/cancel`, bob, { body: { reason: 'mine now' } });
    expect(refused.status).toBe(404);
    expect((await events()).some((e) => e.type === 'RequestStatusChanged' && e.data.to === 'cancelled')).toBe(false);
    expect((await call('POST', `/api/v1/requests/${ofAlice}/cancel`, alice, { body: { reason: 'done' } })).body).toMatchObject({ status: 'cancelled' });
  });

  it('keeps Idempotency-Keys per tenant: the same key from another tenant makes its own request', async () => {
    const { hostFactory } = await serveWithTemplate();
    const first = await requestMachines(alice, 1, { 'idempotency-key': 'job-1' });
    expect(await requestMachines(alice, 1, { 'idempotency-key': 'job-1' })).toBe(first);
    const other = await requestMachines(bob, 1, { 'idempotency-key': 'job-1' });
    expect(other).not.toBe(first);
    expect(hostFactory.fake!.callsTo('provision')).toHaveLength(2);
    expect((await call('GET', `/api/v1/requests/${other}`, bob)).status).toBe(200);
  });
});

describe('REST tenancy: host handlers read the caller from the dispatch', () => {
  it('ListOwnedRequests lists the tenant of the dispatch’s principal, and refuses a dispatch without one', async () => {
    const { hostFactory } = await serveWithTemplate();
    const ofAlice = await requestMachines(alice, 1);
    await requestMachines(bob, 1);
    const asAlice = { metadata: { principal: { subject: 'alice', tenant: 'team-a', scopes: [SCOPES.read] } } };
    expect(await hostFactory.queries.execute(ListOwnedRequests.from({}), asAlice)).toEqual({ requestIds: [ofAlice], total: 1, limit: 50, offset: 0 });
    await expect(hostFactory.queries.execute(ListOwnedRequests.from({}))).rejects.toMatchObject({ code: 'UNAUTHENTICATED_DISPATCH' });
    expect(() => ListOwnedRequests.from({ tenant: 'team-b' })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});

describe('REST tenancy: a tenant reaches only its own machines', () => {
  it('reads, lists and returns only machines of its own requests; another tenant’s are not found', async () => {
    const { hostFactory } = await serveWithTemplate();
    const ofAlice = await requestMachines(alice, 2);
    const ofBob = await requestMachines(bob, 1);
    const done = (await call('GET', `/api/v1/requests/${ofAlice}`, alice)).body;
    expect(done.status).toBe('completed');
    const [first, second] = done.machines as { machineId: string; name: string }[];
    const bobs = (await call('GET', `/api/v1/requests/${ofBob}`, bob)).body.machines[0] as { machineId: string; name: string };

    expect((await call('GET', `/api/v1/machines/${first!.machineId}`, alice)).body).toMatchObject({ machineId: first!.machineId });
    expect((await call('GET', `/api/v1/machines/${first!.machineId}`, bob)).body).toMatchObject({ status: 404, code: 'MACHINE_NOT_FOUND' });
    expect((await call('GET', `/api/v1/machines?requestId=${ofAlice}`, alice)).body.total).toBe(2);
    expect((await call('GET', `/api/v1/machines?requestId=${ofAlice}`, bob)).body).toEqual({ items: [], total: 0, limit: 50, offset: 0 });
    expect((await call('GET', '/api/v1/machines', bob)).body).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: 'requestId' }] });
    expect((await call('GET', '/api/v1/machines', admin)).body.total).toBe(3);

    // Bob naming only Alice's machines (by id and by host name): not found, nothing sent to the cloud.
    const refused = await call('POST', '/api/v1/machines/return', bob, { body: { machines: [{ machineId: first!.machineId }, { name: second!.name }] } });
    expect(refused.body).toMatchObject({ status: 404, code: 'MACHINE_NOT_FOUND' });
    // Mixed: his own goes back, hers is reported as not found and stays.
    const mixed = await call('POST', '/api/v1/machines/return', bob, { body: { machines: [{ name: bobs.name }, { name: second!.name }] } });
    expect(mixed.status).toBe(202);
    expect(mixed.body.notFound).toEqual([second!.name]);
    expect(hostFactory.fake!.callsTo('terminate').flatMap((c) => JSON.stringify(c))).not.toContain(second!.machineId);
    expect((await call('GET', `/api/v1/machines/${second!.machineId}`, alice)).body.returnRequestId).toBeNull();
    expect((await call('GET', `/api/v1/machines/${bobs.machineId}`, bob)).body.returnRequestId).toBe(mixed.body.requestId);
    // Alice returns her own.
    expect((await call('POST', '/api/v1/machines/return', alice, { body: { machines: [{ name: second!.name }] } })).status).toBe(202);
  });
});

describe('REST tenancy: the caller is stored with every event', () => {
  it('records subject, tenant and scopes of whoever asked on each event of the request, and of each poll', async () => {
    await serveWithTemplate();
    const requestId = await requestMachines(alice, 2);
    const poller = await token({ subject: 'alice-poller', tenant: 'team-a', scopes: [SCOPES.read] });
    expect((await call('GET', `/api/v1/requests/${requestId}`, poller)).body.status).toBe('completed');

    const all = await events();
    expect(all.find((e) => e.type === 'TemplateCreated')?.metadata).toEqual({ principal: { subject: 'admin', tenant: 'ops', scopes: [...Object.values(SCOPES)].sort() } });
    const created = all.filter((e) => e.type === 'RequestCreated' || e.type === 'MachineCreated');
    expect(created).toHaveLength(3);
    for (const event of created) expect(event.metadata).toEqual({ principal: { subject: 'alice', tenant: 'team-a', scopes: [...TENANT_SCOPES].sort() } });
    expect(all.find((e) => e.type === 'RequestCompleted')?.metadata).toEqual({ principal: { subject: 'alice-poller', tenant: 'team-a', scopes: [SCOPES.read] } });
  });
});

describe('REST tenancy: per-caller machine limits', () => {
  it('refuses more machines in one request than allowed with 422 MACHINE_LIMIT_EXCEEDED, dispatching nothing', async () => {
    await serveWithTemplate({ maxMachinesPerRequest: 3, maxMachinesPerHour: 10 });
    const reply = await call('POST', '/api/v1/requests', alice, { body: { templateId: 'small', machineCount: 4 } });
    expect(reply.status).toBe(422);
    expect(reply.body).toMatchObject({ code: 'MACHINE_LIMIT_EXCEEDED', details: { machineCount: 4, maxMachinesPerRequest: 3 } });
    expect((await events()).filter((e) => e.type === 'RequestCreated')).toEqual([]);
    await requestMachines(alice, 3);
  });

  it('answers 429 with Retry-After once a caller’s hour is spent; other callers, failures and replays do not count', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { hostFactory } = await serveWithTemplate({ maxMachinesPerRequest: 5, maxMachinesPerHour: 6, now: () => now });
    hostFactory.fake!.script({ templateId: 'small' }, { bootAfterSyncs: 100 });
    await requestMachines(alice, 4, { 'idempotency-key': 'a' });
    now += 600_000;
    // A replay answers the first request and counts nothing; a refused request (no such template) neither.
    await requestMachines(alice, 4, { 'idempotency-key': 'a' });
    expect((await call('POST', '/api/v1/requests', alice, { body: { templateId: 'nope', machineCount: 2 } })).status).toBe(404);
    await requestMachines(alice, 2);

    const limited = await call('POST', '/api/v1/requests', alice, { body: { templateId: 'small', machineCount: 1 } });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED', details: { machineCount: 1, maxMachinesPerHour: 6, retryAfterSeconds: 3000 } });
    expect(limited.headers.get('retry-after')).toBe('3000');
    // The limit is per caller: Bob still has his hour.
    await requestMachines(bob, 1);
    expect(hostFactory.fake!.callsTo('provision')).toHaveLength(3);

    now += 3_000_000;
    await requestMachines(alice, 1);
  });
});
