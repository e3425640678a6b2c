import { KernelError } from '../../kernel/errors';

/**
 * Turns an indirect image reference written in a template (an SSM parameter path, a host-defined
 * alias) into the concrete image id the cloud launches. The host factory asks it at request time,
 * before the provider is called; a reference it does not {@link ImageResolver.handles} is passed
 * to the provider as written. An adapter caches its answers itself (docs/templates.md, "Images").
 */
export interface ImageResolver {
  /** True when `reference` is indirect and this resolver must resolve it. Synchronous, no I/O. */
  handles(reference: string): boolean;
  /**
   * The concrete image id for `reference`. Throws {@link ImageResolutionError}: `reason: 'unknown'`
   * when the reference names nothing (an alias without a mapping, a parameter that does not
   * exist), `'unavailable'` when the answer could not be had now (throttling, network).
   */
  resolve(reference: string): Promise<string>;
}

/** Why an image reference did not resolve: it names nothing, or the source could not answer now. */
export type ImageResolutionReason = 'unknown' | 'unavailable';

/**
 * `IMAGE_UNRESOLVED`: an indirect image reference could not be resolved. `details` hold the
 * `reference`, the `reason` and, once known, the `templateId` and key (`imageId`). Never thrown
 * after machines were launched: resolution happens before the provider is called.
 */
export class ImageResolutionError extends KernelError {
  declare readonly code: 'IMAGE_UNRESOLVED';

  constructor(reference: string, reason: ImageResolutionReason, why: string, options: { templateId?: string; cause?: unknown } = {}) {
    const where = options.templateId === undefined ? '' : ` (template "${options.templateId}", key imageId)`;
    const fix = reason === 'unknown' ? 'correct the reference or define it' : 'retry; the request failed before anything was launched';
    super('IMAGE_UNRESOLVED', `The image reference "${reference.slice(0, 200)}"${where} did not resolve: ${why}; ${fix}.`, {
      details: { reference, reason, why, key: 'imageId', ...(options.templateId === undefined ? {} : { templateId: options.templateId }) },
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
  }

  /** `unknown` (names nothing) or `unavailable` (retry later). */
  get reason(): ImageResolutionReason {
    return this.details.reason as ImageResolutionReason;
  }
}

/** Prefix of a host-defined image alias in a template's `imageId`: `alias:rhel9`. */
export const IMAGE_ALIAS_PREFIX = 'alias:';

/**
 * A resolver for host-defined aliases: `imageId: "alias:NAME"` becomes `aliases[NAME]`. When the
 * mapped value is itself indirect for `next` (an SSM path), `next` resolves it. An alias with no
 * mapping is `IMAGE_UNRESOLVED` (`unknown`); any other reference goes to `next` (or is not handled).
 */
export function aliasImageResolver(aliases: Readonly<Record<string, string>>, next?: ImageResolver): ImageResolver {
  const table = new Map(Object.entries(aliases));
  const isAlias = (reference: string) => reference.startsWith(IMAGE_ALIAS_PREFIX);
  return {
    handles: (reference) => isAlias(reference) || (next?.handles(reference) ?? false),
    async resolve(reference) {
      if (!isAlias(reference)) {
        if (next === undefined) throw new ImageResolutionError(reference, 'unknown', 'no resolver handles it');
        return next.resolve(reference);
      }
      const mapped = table.get(reference.slice(IMAGE_ALIAS_PREFIX.length));
      if (mapped === undefined || mapped.trim() === '') {
        const known = [...table.keys()].slice(0, 20).join(', ');
        throw new ImageResolutionError(reference, 'unknown', `the alias has no mapping (defined: ${known === '' ? 'none' : known})`);
      }
      return next !== undefined && next.handles(mapped) ? next.resolve(mapped) : mapped;
    },
  };
}

/**
 * The concrete image of `template` for a provider call: its `imageId` as written unless `resolver`
 * handles it. Throws {@link ImageResolutionError} naming the template; a resolver's other errors
 * become `IMAGE_UNRESOLVED` (`unavailable`) with the error as `cause`.
 */
export async function resolveTemplateImage(resolver: ImageResolver | undefined, template: { readonly templateId: string; readonly imageId: string | null }): Promise<string | null> {
  const reference = template.imageId;
  if (resolver === undefined || reference === null || !resolver.handles(reference)) return reference;
  try {
    const imageId = await resolver.resolve(reference);
    if (typeof imageId !== 'string' || imageId.trim() === '') throw new ImageResolutionError(reference, 'unknown', 'the resolver answered no image id');
    return imageId;
  } catch (error) {
    const reason: ImageResolutionReason = error instanceof ImageResolutionError ? error.reason : 'unavailable';
    const why = error instanceof ImageResolutionError ? String(error.details.why) : error instanceof Error ? error.message : String(error);
    if (error instanceof ImageResolutionError && error.details.templateId === template.templateId) throw error;
    throw new ImageResolutionError(reference, reason, why.slice(0, 500), { templateId: template.templateId, cause: error });
  }
}
