/**
 * The provider's templates file, from lookup to what is imported: found by `locateTemplatesFile`
 * (`<name>prov_templates.json`, `<type>prov_templates.json`, `templates.json`), read, its defaults
 * applied and its attributes and images completed by the cloud's template sources
 * (`completeTemplatesFile`). Used by the two operations that read templates and by validateTemplates.
 */
import type { HostFactory, ReadModelStore } from 'hostfactory-kernel';
import { completeTemplatesFile, locateTemplatesFile, parseTemplatesFile, type CompletedTemplates, type ProviderEnvironment } from 'hostfactory-kernel/hostfactory';
import type { CloudTemplateSources } from './cloud';
import { ProviderConfigError, readTemplatesFile } from './provider-config';

const META = 'provider_meta';

/** The effective templates of the provider's file, with the file's text and how messages name it. */
export async function effectiveTemplates(provider: ProviderEnvironment, sources: Omit<CloudTemplateSources, 'close'>): Promise<{ text: string; described: string; completed: CompletedTemplates }> {
  const { text, document, described } = readProviderTemplates(provider, sources.type);
  return { text, described, completed: await complete(provider, sources, document) };
}

function readProviderTemplates(provider: ProviderEnvironment, type: string): { text: string; document: unknown; described: string } {
  const location = locateTemplatesFile(provider, type);
  return { ...readTemplatesFile(location.path, location.described), described: location.described };
}

function complete(provider: ProviderEnvironment, sources: Omit<CloudTemplateSources, 'close'>, document: unknown): Promise<CompletedTemplates> {
  return completeTemplatesFile(document, {
    provider: { name: provider.name, type: sources.type },
    ...(sources.catalogue === undefined ? {} : { catalogue: sources.catalogue }),
    ...(sources.images === undefined ? {} : { images: sources.images }),
    memoryAttribute: provider.product === 'lsf' ? 'mem' : 'nram',
  });
}

/**
 * Imports the templates file when its content (or the file chosen) changed since the last import (a
 * hash kept in a read-model document), so a call pays only for finding, reading and hashing the file:
 * the catalogue and the image sources are asked only when it changed. Resolves to the effective
 * document (defaults applied, attributes completed), as imported.
 */
export async function importTemplatesIfChanged(hostFactory: HostFactory, store: ReadModelStore, provider: ProviderEnvironment, sources: Omit<CloudTemplateSources, 'close'>): Promise<unknown> {
  const { text, document, described } = readProviderTemplates(provider, sources.type);
  // node:crypto loaded here, not with the bundle: the operations that never import templates start without it.
  const hash = process.getBuiltinModule('node:crypto').createHash('sha256').update(described).update('\u0000').update(text).digest('hex');
  const seen = await store.get<{ id: string; hash: string; document?: unknown }>(META, 'templates-file');
  if (seen?.hash === hash) return seen.document ?? document;
  const completed = await complete(provider, sources, document);
  const command = parseTemplatesFile(completed.document, { deactivateMissing: true });
  const { templates } = await hostFactory.commands.execute(command);
  // A template the provider refused (e.g. UNKNOWN_PROVIDER) fails the call, naming it; the hash is
  // not kept, so the file is imported again once corrected.
  const refused = templates.filter((t) => t.action === 'failed');
  if (refused.length > 0) {
    const shown = refused.map((t) => `${t.templateId ?? '(no templateId)'}: ${t.code} ${t.message}`).join('; ');
    throw new ProviderConfigError('TEMPLATE_REFUSED', `The templates file (${described}) has templates that cannot be used: ${shown}`, {
      file: 'templates',
      refused: refused.map((t) => ({ templateId: t.templateId, code: t.code })),
    });
  }
  // The effective document is kept beside the hash: a recording notes what this call's templates are.
  await store.put(META, { id: 'templates-file', hash, document: completed.document });
  return completed.document;
}
