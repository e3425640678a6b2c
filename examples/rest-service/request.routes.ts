import type { FastifyInstance } from 'fastify';
import { CancelRequest, GetRequestStatus, ListRequests, RequestMachines, SyncRequest, type HostFactory } from '../../src/index';

import { bodyWith, dispatch, headerOf, IDEMPOTENCY_HEADER, queryInput } from './http-input';

type RequestParams = { Params: { requestId: string } };

/** Request routes (relative to `/api/v1`): request machines, list, status (after a sync), cancel. */
export function requestRoutes(api: FastifyInstance, hostFactory: HostFactory): void {
  const { commands, queries } = hostFactory;

  api.post('/requests', async (request, reply) => {
    const input = bodyWith(request.body, { idempotencyKey: headerOf(request, IDEMPOTENCY_HEADER) }, 'the Idempotency-Key header');
    const result = await commands.execute(RequestMachines.from(input), dispatch(request));
    // Accepted, not created: the machines arrive later; poll the Location for the status.
    reply.code(202).header('location', `/api/v1/requests/${encodeURIComponent(result.requestId)}`);
    return result;
  });

  api.get('/requests', async (request) => {
    const kinds = { status: 'string', type: 'string', templateId: 'string', limit: 'integer', offset: 'integer' } as const;
    const page = await queries.execute(ListRequests.from(queryInput(request.query, kinds)), dispatch(request));
    return page;
  });

  api.get<RequestParams>('/requests/:requestId', async (request) => {
    const { requestId } = request.params;
    const input = bodyWith(queryInput(request.query, { includeMachines: 'boolean' }), { requestId }, 'the URL');
    const query = GetRequestStatus.from(input);
    await commands.execute(SyncRequest.from({ requestId }), dispatch(request));
    return await queries.execute(query, dispatch(request));
  });

  api.post<RequestParams>('/requests/:requestId/cancel', async (request) => {
    const input = bodyWith(request.body, { requestId: request.params.requestId }, 'the URL');
    return await commands.execute(CancelRequest.from(input), dispatch(request));
  });
}
