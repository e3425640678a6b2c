import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GetMachine, ListMachines, MachineNotFoundError, RequestReturnMachines, ValidationError, type HostFactory } from 'hostfactory-kernel';
import { access, isAdmin, principalOf, SCOPES } from './access';
import { bodyWith, dispatch, queryInput } from './http-input';
import { GetMachineOwners, GetRequestOwner } from './tenancy';

/**
 * Machine routes (relative to `/api/v1`): return machines (`hostfactory:return`), list them, read one
 * (`hostfactory:read`). Without `hostfactory:admin` a caller reaches only machines of its tenant's
 * requests: another tenant's machine is "not found", and a list needs `requestId` of its own request.
 */
export function machineRoutes(api: FastifyInstance, hostFactory: HostFactory): void {
  const { commands, queries } = hostFactory;

  /** The tenant each reference belongs to, or null (unknown, or shared by tenants). */
  const ownersOf = (request: FastifyRequest, machines: readonly { machineId?: string; name?: string }[]) =>
    queries.execute(GetMachineOwners.from({ machines: machines.map(({ machineId, name }) => ({ ...(machineId === undefined ? {} : { machineId }), ...(name === undefined ? {} : { name }) })) }), dispatch(request));

  api.post('/machines/return', access(SCOPES.return), async (request, reply) => {
    const command = RequestReturnMachines.from(request.body);
    const principal = principalOf(request);
    let toReturn = command;
    let foreign: string[] = [];
    if (!isAdmin(principal)) {
      // Another tenant's machine is reported like an unknown one, and never reaches the provider.
      const owners = await ownersOf(request, command.machines);
      const own = command.machines.filter((_, i) => owners[i] === principal.tenant);
      foreign = command.machines.filter((_, i) => owners[i] !== principal.tenant).map((m) => m.machineId ?? m.name ?? '');
      if (own.length === 0) throw new MachineNotFoundError(foreign[0]!);
      toReturn = RequestReturnMachines.from({ machines: own.map(({ machineId, name }) => ({ ...(machineId === undefined ? {} : { machineId }), ...(name === undefined ? {} : { name }) })) });
    }
    const result = await commands.execute(toReturn, dispatch(request));
    reply.code(202).header('location', `/api/v1/requests/${encodeURIComponent(result.requestId)}`);
    return foreign.length === 0 ? result : { ...result, notFound: [...foreign, ...result.notFound] };
  });

  api.get('/machines', access(SCOPES.read), async (request) => {
    const kinds = { requestId: 'string', templateId: 'string', status: 'string', limit: 'integer', offset: 'integer' } as const;
    const query = ListMachines.from(queryInput(request.query, kinds));
    const principal = principalOf(request);
    if (!isAdmin(principal)) {
      if (query.requestId === undefined) {
        throw new ValidationError('query string', [{ path: 'requestId', constraint: 'isDefined', message: `requestId is required to list machines without the ${SCOPES.admin} scope: give one of your requests` }]);
      }
      const owner = await queries.execute(GetRequestOwner.from({ requestId: query.requestId }), dispatch(request));
      // Another tenant's request lists as an empty page, like a request id that does not exist.
      if (owner?.tenant !== principal.tenant) return { items: [], total: 0, limit: query.limit ?? 50, offset: query.offset ?? 0 };
    }
    return await queries.execute(query, dispatch(request));
  });

  api.get<{ Params: { machineId: string } }>('/machines/:machineId', access(SCOPES.read), async (request) => {
    const input = bodyWith(queryInput(request.query, {}), { machineId: request.params.machineId }, 'the URL');
    const query = GetMachine.from(input);
    const principal = principalOf(request);
    if (!isAdmin(principal)) {
      const [owner] = await ownersOf(request, [{ machineId: query.machineId }]);
      if (owner !== principal.tenant) throw new MachineNotFoundError(query.machineId);
    }
    return await queries.execute(query, dispatch(request));
  });
}
