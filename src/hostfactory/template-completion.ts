import { ImageResolutionError, type ImageResolver } from '../application/provider/image-resolver';
import { Issues, isRecord, joinPath } from '../kernel/validation';
import type { ValidationIssue } from '../kernel/errors';
import { applyTemplateDefaults, type TemplateProviderContext, type TemplateSources } from '../application/templates/template-defaults';

/** What the catalogue knows of one instance type. */
export interface InstanceTypeFacts {
  /** Virtual CPUs (`ncpus`). */
  readonly vcpus: number;
  /** Physical cores (`ncores`), when the cloud says. */
  readonly cores?: number;
  /** Memory in MiB (`nram`, LSF's `mem`). */
  readonly memoryMiB: number;
}

/**
 * The cloud's instance types, asked when templates are imported: a template that leaves out
 * `ncpus`, `ncores` or `nram`/`mem` gets them from here, and a type it does not know is refused.
 * `describe` answers the types it knows (a type missing from the map is unknown) and throws when
 * it cannot answer now. An adapter caches its answers itself.
 */
export interface InstanceTypeCatalogue {
  describe(instanceTypes: readonly string[]): Promise<ReadonlyMap<string, InstanceTypeFacts>>;
}

/** Options of {@link completeTemplatesFile}. */
export interface TemplateCompletionOptions {
  /** The provider instance the file is imported for (chooses the defaults levels). */
  readonly provider?: TemplateProviderContext;
  /** Fills missing `ncpus`/`ncores`/`nram` (or `mem`) and refuses unknown instance types. */
  readonly catalogue?: InstanceTypeCatalogue;
  /** Resolves every indirect `imageId` once, refusing references that name nothing. */
  readonly images?: ImageResolver;
  /** The memory attribute filled when a template has neither: `nram` (Symphony, default) or `mem` (LSF). */
  readonly memoryAttribute?: 'nram' | 'mem';
}

/** The effective templates of a file, ready for `parseTemplatesFile`, with where each value came from. */
export interface CompletedTemplates {
  /** `{ templates: [...] }` with defaults applied and attributes filled; no `defaults` section. */
  readonly document: { readonly templates: Record<string, unknown>[] };
  /** Index for index with `document.templates`. */
  readonly sources: TemplateSources[];
  /** What could not be checked now and will be at request time (a catalogue or image source that did not answer). */
  readonly warnings: ValidationIssue[];
}

/**
 * Applies a templates document's defaults ({@link applyTemplateDefaults}), fills the attributes a
 * template leaves out from the catalogue and checks every indirect image, all before anything is
 * stored. Throws one VALIDATION_FAILED listing every problem, each at the template's key and
 * naming the template: the defaults codes, `instanceTypeUnknown` (`templates[2].vmTypes.m9.huge`),
 * `catalogueUnavailable` (attributes needed but the catalogue did not answer), `imageUnresolved`
 * (an alias with no mapping, a parameter that does not exist). A source that cannot answer now is
 * a warning unless the template needs its answer. A weighted template gets the smallest value of its types.
 */
export async function completeTemplatesFile(document: unknown, options: TemplateCompletionOptions = {}): Promise<CompletedTemplates> {
  const { templates, sources } = applyTemplateDefaults(document, options.provider);
  const issues = new Issues();
  const warnings: ValidationIssue[] = [];
  if (options.catalogue !== undefined) await fillFromCatalogue(options.catalogue, templates, sources, options.memoryAttribute ?? 'nram', issues, warnings);
  if (options.images !== undefined) await checkImages(options.images, templates, issues, warnings);
  issues.throwIfAny('templates file');
  return { document: { templates }, sources, warnings };
}

const idOf = (template: Record<string, unknown>, index: number): string => (typeof template.templateId === 'string' ? template.templateId : `templates[${index}]`);

/** The instance types a template names, each with the path naming it. */
function instanceTypes(template: Record<string, unknown>, path: string): [string, string][] {
  const found: [string, string][] = [];
  if (typeof template.vmType === 'string' && template.vmType.trim() !== '') found.push([template.vmType, joinPath(path, 'vmType')]);
  if (isRecord(template.vmTypes)) for (const type of Object.keys(template.vmTypes)) found.push([type, joinPath(joinPath(path, 'vmTypes'), type)]);
  return found;
}

async function fillFromCatalogue(
  catalogue: InstanceTypeCatalogue,
  templates: Record<string, unknown>[],
  sources: TemplateSources[],
  memoryAttribute: 'nram' | 'mem',
  issues: Issues,
  warnings: ValidationIssue[],
): Promise<void> {
  const wanted = [...new Set(templates.flatMap((t) => (isRecord(t) ? instanceTypes(t, '').map(([type]) => type) : [])))].sort();
  if (wanted.length === 0) return;
  let facts: ReadonlyMap<string, InstanceTypeFacts> | undefined;
  let failure = '';
  try {
    facts = await catalogue.describe(wanted);
  } catch (error) {
    failure = error instanceof Error ? error.message.slice(0, 300) : String(error);
  }
  templates.forEach((template, index) => {
    if (!isRecord(template)) return;
    const path = `templates[${index}]`;
    const id = idOf(template, index);
    const attributes = isRecord(template.attributes) ? template.attributes : undefined;
    const missing = (['ncpus', 'ncores'] as const).filter((name) => attributes === undefined || !Object.hasOwn(attributes, name));
    const memoryMissing = attributes === undefined || (!Object.hasOwn(attributes, 'nram') && !Object.hasOwn(attributes, 'mem'));
    const types = instanceTypes(template, path);
    if (types.length === 0) return;
    if (facts === undefined) {
      const needed = missing.includes('ncpus') || memoryMissing;
      (needed ? (i: ValidationIssue) => issues.add(i.path, i.constraint, i.message) : (i: ValidationIssue) => warnings.push(i))({
        path: joinPath(path, 'attributes'),
        constraint: 'catalogueUnavailable',
        message: `template "${id}": the instance-type catalogue did not answer (${failure})${needed ? ', and ncpus or nram/mem must come from it: set them in the template or try again' : '; its instance types are checked at launch'}`,
      });
      return;
    }
    const known = types.filter(([type, typePath]) => {
      if (facts.has(type)) return true;
      issues.add(typePath, 'instanceTypeUnknown', `template "${id}": the instance type at ${typePath} is unknown to the catalogue: correct the name or remove it`);
      return false;
    });
    // An unknown type, or attributes that are not a map (the template rules report them), get no fill-in.
    if (known.length !== types.length || (attributes === undefined && template.attributes !== undefined)) return;
    const all = known.map(([type]) => facts.get(type)!);
    const filled: Record<string, unknown> = { ...(attributes ?? {}) };
    const fill = (name: string, value: number | undefined) => {
      if (value === undefined || !Number.isFinite(value) || value <= 0) return;
      filled[name] = ['Numeric', String(value)];
      sources[index]![`attributes.${name}`] = 'catalogue';
    };
    if (missing.includes('ncpus')) fill('ncpus', Math.min(...all.map((f) => f.vcpus)));
    if (missing.includes('ncores') && all.every((f) => f.cores !== undefined)) fill('ncores', Math.min(...all.map((f) => f.cores!)));
    if (memoryMissing) fill(memoryAttribute, Math.min(...all.map((f) => f.memoryMiB)));
    template.attributes = filled;
  });
}

async function checkImages(images: ImageResolver, templates: Record<string, unknown>[], issues: Issues, warnings: ValidationIssue[]): Promise<void> {
  const outcomes = new Map<string, Promise<ImageResolutionError | undefined>>();
  const check = (reference: string) =>
    images.resolve(reference).then(
      () => undefined,
      (error: unknown) => (error instanceof ImageResolutionError ? error : new ImageResolutionError(reference, 'unavailable', error instanceof Error ? error.message.slice(0, 300) : String(error))),
    );
  for (const [index, template] of templates.entries()) {
    const reference = isRecord(template) ? template.imageId : undefined;
    if (typeof reference !== 'string' || !images.handles(reference)) continue;
    if (!outcomes.has(reference)) outcomes.set(reference, check(reference));
    const failure = await outcomes.get(reference)!;
    if (failure === undefined) continue;
    const issue = {
      path: `templates[${index}].imageId`,
      constraint: failure.reason === 'unknown' ? 'imageUnresolved' : 'imageUnavailable',
      message: `template "${idOf(template, index)}": ${String(failure.details.why)} (its imageId)${failure.reason === 'unknown' ? ': correct it or define it' : '; it is resolved again at request time'}`,
    };
    if (failure.reason === 'unknown') issues.add(issue.path, issue.constraint, issue.message);
    else warnings.push(issue);
  }
}
