import { ValidationError } from '../../kernel';

/** Most templates one document may hold. */
export const MAX_TEMPLATES_PER_DOCUMENT = 10_000;

/**
 * The template objects of a Symphony templates document: `{ "templates": [...] }` or a bare array.
 * Anything else is `VALIDATION_FAILED` at `path`. Entries are returned as given, to be validated one by one.
 */
export function readTemplatesDocument(document: unknown, path: string): unknown[] {
  const list = Array.isArray(document)
    ? document
    : typeof document === 'object' && document !== null && Array.isArray((document as { templates?: unknown }).templates)
      ? (document as { templates: unknown[] }).templates
      : undefined;
  const where = Array.isArray(document) ? path : `${path}.templates`;
  if (list === undefined) {
    throw new ValidationError('templates document', [
      { path, constraint: 'isTemplatesDocument', message: `${path} must be { "templates": [ ... ] } or an array of templates` },
    ]);
  }
  if (list.length > MAX_TEMPLATES_PER_DOCUMENT) {
    throw new ValidationError('templates document', [
      { path: where, constraint: 'arrayMaxSize', message: `${where} holds ${list.length} templates; at most ${MAX_TEMPLATES_PER_DOCUMENT} are accepted` },
    ]);
  }
  return list;
}
