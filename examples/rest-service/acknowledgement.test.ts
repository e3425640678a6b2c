import { afterEach, describe, expect, it } from 'vitest';
import { Reconcile, type ReconcileResult } from 'hostfactory-kernel';
import type { TestHostFactory } from 'hostfactory-kernel/testing';
import { callWith, serveTestApp, token, type Served } from './test-harness';
import { templateInput } from '../../test/support/templates';

const WINDOW_MS = 900_000; // the host factory's default limits.ackWindowMs

/**
 * Issue 25, item 6: a REST host that watches its requests only through `GET /machines?requestId=`
 * never tells the library it holds the id (a query records nothing), so once the acknowledgement
 * window has passed the reconciler settles the request as abandoned and returns its machines.
 * `GET /requests/:requestId` once is what acknowledges it (docs/rest-service.md, section 4).
 */
describe('REST service: which route acknowledges a request', () => {
  let served: Served | undefined;
  afterEach(async () => {
    await served?.close();
    served = undefined;
  });

  async function site() {
    served = await serveTestApp();
    const hf = served.hostFactory;
    const bearer = await token();
    const call = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
      const reply = await callWith(served!.base, bearer, method, url, body === undefined ? {} : { body });
      return { status: reply.status, body: reply.body as any };
    };
    expect((await call('POST', '/api/v1/templates', { template: templateInput() })).status).toBe(201);
    hf.fake!.script({ templateId: 'small' }, { bootAfterSyncs: 1 });
    const { body } = await call('POST', '/api/v1/requests', { templateId: 'small', machineCount: 2 });
    return { hf, call, requestId: body.requestId as string };
  }
  const reconcilePastTheWindow = async (hostFactory: TestHostFactory): Promise<ReconcileResult> => {
    hostFactory.advance({ ms: WINDOW_MS + 1 });
    return hostFactory.commands.execute(Reconcile.from({}));
  };

  it('abandons a request watched only through GET /machines?requestId= once the window has passed', async () => {
    const { hf, call, requestId } = await site();
    const listed = await call('GET', `/api/v1/machines?requestId=${requestId}`);
    expect(listed.status).toBe(200);
    expect(listed.body.total).toBe(2);
    const result = await reconcilePastTheWindow(hf);
    expect(result, JSON.stringify(result)).toMatchObject({ abandoned: 1, machinesReturned: 2 });
    const { body } = await call('GET', `/api/v1/requests/${requestId}`);
    expect(body).toMatchObject({ status: 'cancelled', statusMessage: expect.stringMatching(/^Abandoned: nobody asked about request/) });
  });

  it('keeps a request its host asked about once with GET /requests/:requestId, however long it then watches only the machines', async () => {
    const { hf, call, requestId } = await site();
    expect((await call('GET', `/api/v1/requests/${requestId}`)).status).toBe(200);
    expect((await call('GET', `/api/v1/machines?requestId=${requestId}`)).body.total).toBe(2);
    expect(await reconcilePastTheWindow(hf)).toMatchObject({ abandoned: 0, machinesReturned: 0 });
    expect((await call('GET', `/api/v1/requests/${requestId}`)).body.status).not.toBe('cancelled');
  });
});
