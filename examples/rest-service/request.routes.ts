import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CancelRequest, GetRequest, GetRequestStatus, ListRequests, Page, RequestMachines, RequestNotFoundError, SyncRequest, type HostFactory } from 'hostfactory-kernel';
import { access, isAdmin, principalOf, SCOPES } from './access';
import type { CallerLimits } from './caller-limits';
import { bodyWith, dispatch, headerOf, IDEMPOTENCY_HEADER, queryInput } from './http-input';
import { GetRequestOwner, ListOwnedRequests } from './tenancy';

type RequestParams = { Params: { requestId: string } };

/**
 * Request routes (relative to `/api/v1`): request machines and cancel (`hostfactory:request`), list
 * and status after a sync (`hostfactory:read`). A caller sees and cancels only its tenant's requests
 * unless it holds `hostfactory:admin`; another tenant's request answers 404, as if it did not exist.
 */
export function requestRoutes(api: FastifyInstance, hostFactory: HostFactory, limits: CallerLimits): void {
  const { commands, queries } = hostFactory;

  /** Throws REQUEST_NOT_FOUND unless the caller may see `requestId` (checked before any sync or change). */
  const checkOwner = async (request: FastifyRequest, requestId: string): Promise<void> => {
    const principal = principalOf(request);
    if (isAdmin(principal)) return;
    const owner = await queries.execute(GetRequestOwner.from({ requestId }), dispatch(request));
    if (owner?.tenant !== principal.tenant) throw new RequestNotFoundError(requestId);
  };

  api.post('/requests', access(SCOPES.request), async (request, reply) => {
    const principal = principalOf(request);
    const input = bodyWith(request.body, { idempotencyKey: headerOf(request, IDEMPOTENCY_HEADER) }, 'the Idempotency-Key header');
    const checked = RequestMachines.from(input);
    // Idempotency keys are per tenant: another tenant's key never answers this tenant's request.
    const command = checked.idempotencyKey === undefined ? checked : RequestMachines.from({ ...(input as object), idempotencyKey: tenantKey(principal.tenant, checked.idempotencyKey) });
    const reservation = limits.reserve(principal, command.machineCount, command.idempotencyKey);
    let result: { requestId: string };
    try {
      result = await commands.execute(command, dispatch(request));
    } catch (error) {
      // A refused or failed request started no machine (a PROVIDER_ERROR leaves it failed).
      reservation.release();
      throw error;
    }
    reservation.commit(result.requestId);
    // Accepted, not created: the machines arrive later; poll the Location for the status.
    reply.code(202).header('location', `/api/v1/requests/${encodeURIComponent(result.requestId)}`);
    return result;
  });

  api.get('/requests', access(SCOPES.read), async (request) => {
    const kinds = { status: 'string', type: 'string', templateId: 'string', limit: 'integer', offset: 'integer' } as const;
    const input = queryInput(request.query, kinds);
    const query = ListRequests.from(input);
    const principal = principalOf(request);
    if (isAdmin(principal)) return await queries.execute(query, dispatch(request));
    // The tenant comes from the principal dispatch() carries, read by the handler (tenancy.ts).
    const owned = await queries.execute(ListOwnedRequests.from(input), dispatch(request));
    const items = await Promise.all(owned.requestIds.map((requestId) => queries.execute(GetRequest.from({ requestId }), dispatch(request))));
    return Page.of(items, owned.total, owned.limit, owned.offset);
  });

  api.get<RequestParams>('/requests/:requestId', access(SCOPES.read), async (request) => {
    const { requestId } = request.params;
    const input = bodyWith(queryInput(request.query, { includeMachines: 'boolean' }), { requestId }, 'the URL');
    const query = GetRequestStatus.from(input);
    await checkOwner(request, requestId);
    await commands.execute(SyncRequest.from({ requestId }), dispatch(request));
    return await queries.execute(query, dispatch(request));
  });

  api.post<RequestParams>('/requests/:requestId/cancel', access(SCOPES.request), async (request) => {
    const input = bodyWith(request.body, { requestId: request.params.requestId }, 'the URL');
    const command = CancelRequest.from(input);
    await checkOwner(request, command.requestId);
    return await commands.execute(command, dispatch(request));
  });
}

/** The idempotency key stored for `tenant`'s `key`: a hash (46 characters), so it fits `REQUEST_LIMITS.maxIdempotencyKeyLength` whatever the caller's key. */
function tenantKey(tenant: string, key: string): string {
  return `t1-${createHash('sha256').update(tenant).update('\u0000').update(key).digest('base64url')}`;
}
