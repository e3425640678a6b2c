import type { FastifyInstance } from 'fastify';
import { CreateTemplate, DeleteTemplate, GetTemplate, ListTemplates, UpdateTemplate, ValidateTemplateQuery, type HostFactory } from 'hostfactory-kernel';

import { access, SCOPES } from './access';
import { bodyWith, dispatch, etagOf, headerOf, queryInput, versionFromIfMatch } from './http-input';

type TemplateParams = { Params: { templateId: string } };

/** Template routes (relative to `/api/v1`): list, read and validate (`hostfactory:read`); create, update, delete (`hostfactory:admin`). */
export function templateRoutes(api: FastifyInstance, hostFactory: HostFactory): void {
  const { commands, queries } = hostFactory;

  api.get('/templates', access(SCOPES.read), async (request) => {
    const query = ListTemplates.from(queryInput(request.query, { providerApi: 'string', activeOnly: 'boolean', includeConfiguration: 'boolean' }));
    const templates = await queries.execute(query, dispatch(request));
    // An object, not a bare array: room for more fields later, and the shape Symphony's own listing uses.
    return { templates };
  });

  api.get<TemplateParams>('/templates/:templateId', access(SCOPES.read), async (request, reply) => {
    const input = bodyWith(queryInput(request.query, { includeConfiguration: 'boolean' }), { templateId: request.params.templateId }, 'the URL');
    const template = await queries.execute(GetTemplate.from(input), dispatch(request));
    reply.header('etag', etagOf(template.version));
    return template;
  });

  api.post('/templates', access(SCOPES.admin), async (request, reply) => {
    const result = await commands.execute(CreateTemplate.from(request.body), dispatch(request));
    reply.code(201).header('location', `/api/v1/templates/${encodeURIComponent(result.templateId)}`).header('etag', etagOf(result.version));
    return result;
  });

  api.put<TemplateParams>('/templates/:templateId', access(SCOPES.admin), async (request, reply) => {
    const fromUrl = bodyWith(request.body, { templateId: request.params.templateId }, 'the URL');
    const input = bodyWith(fromUrl, { expectedVersion: versionFromIfMatch(headerOf(request, 'if-match')) }, 'the If-Match header');
    const result = await commands.execute(UpdateTemplate.from(input), dispatch(request));
    reply.header('etag', etagOf(result.version));
    return result;
  });

  api.delete<TemplateParams>('/templates/:templateId', access(SCOPES.admin), async (request) => {
    const input = bodyWith(queryInput(request.query, {}), { templateId: request.params.templateId }, 'the URL');
    return commands.execute(DeleteTemplate.from(input), dispatch(request));
  });

  api.post('/templates/validate', access(SCOPES.read), async (request) => queries.execute(ValidateTemplateQuery.from(request.body), dispatch(request)));
}
