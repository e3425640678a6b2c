import type { FastifyInstance } from 'fastify';
import { GetMachine, ListMachines, RequestReturnMachines, type HostFactory } from '../../src/index';

import { access, SCOPES } from './access';
import { bodyWith, dispatch, queryInput } from './http-input';

/** Machine routes (relative to `/api/v1`): return machines (`hostfactory:return`), list them, read one (`hostfactory:read`). */
export function machineRoutes(api: FastifyInstance, hostFactory: HostFactory): void {
  const { commands, queries } = hostFactory;

  api.post('/machines/return', access(SCOPES.return), async (request, reply) => {
    const result = await commands.execute(RequestReturnMachines.from(request.body), dispatch(request));
    reply.code(202).header('location', `/api/v1/requests/${encodeURIComponent(result.requestId)}`);
    return result;
  });

  api.get('/machines', access(SCOPES.read), async (request) => {
    const kinds = { requestId: 'string', templateId: 'string', status: 'string', limit: 'integer', offset: 'integer' } as const;
    return await queries.execute(ListMachines.from(queryInput(request.query, kinds)), dispatch(request));
  });

  api.get<{ Params: { machineId: string } }>('/machines/:machineId', access(SCOPES.read), async (request) => {
    const input = bodyWith(queryInput(request.query, {}), { machineId: request.params.machineId }, 'the URL');
    return await queries.execute(GetMachine.from(input), dispatch(request));
  });
}
