import { getMetadataStorage } from 'class-validator';

/**
 * class-validator (0.15) answers `getTargetValidationMetadatas` by scanning every class it knows on
 * every validation, so validation slows down as a host declares more decorated classes. The answer
 * for one class and one set of options only changes when metadata is added, so it is memoised per
 * class here and the memo is dropped whenever any metadata is registered. Results are unchanged:
 * each call gets a fresh copy of the same list the original method returns.
 */

type Lookup = (target: Function, schema: string, always: boolean, strictGroups: boolean, groups?: string[]) => unknown[];

interface PatchableStorage {
  getTargetValidationMetadatas: Lookup;
  addValidationMetadata(...args: unknown[]): void;
  addValidationSchema(...args: unknown[]): void;
  addConstraintMetadata(...args: unknown[]): void;
}

// One patch per metadata storage, shared by the ESM and CJS copies of this package.
const PATCHED = Symbol.for('hostfactory-kernel.validation-metadata-cache.v1');
/** Where the unmemoised lookup stays reachable (tests compare both on a corpus). */
export const UNCACHED_LOOKUP = Symbol.for('hostfactory-kernel.validation-metadata-cache.original');

let installed = false;

/** Installs the per-class memo on class-validator's metadata storage (idempotent, cheap to call). */
export function installValidationMetadataCache(): void {
  if (installed) return;
  installed = true;
  const storage = getMetadataStorage() as unknown as PatchableStorage & { [PATCHED]?: true };
  if (storage[PATCHED]) return;
  const original = storage.getTargetValidationMetadatas.bind(storage);
  let memo = new WeakMap<Function, Map<string, unknown[]>>();
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    if (typeof target !== 'function') return original(target, schema, always, strictGroups, groups);
    const key = `${schema}\u0000${always}\u0000${strictGroups}\u0000${groups === undefined ? '' : groups.join('\u0001')}`;
    let byKey = memo.get(target);
    if (byKey === undefined) memo.set(target, (byKey = new Map()));
    let found = byKey.get(key);
    if (found === undefined) byKey.set(key, (found = original(target, schema, always, strictGroups, groups)));
    return found.slice();
  };
  for (const method of ['addValidationMetadata', 'addValidationSchema', 'addConstraintMetadata'] as const) {
    const add = storage[method].bind(storage);
    storage[method] = (...args: unknown[]) => {
      memo = new WeakMap();
      add(...args);
    };
  }
  Object.defineProperty(storage, UNCACHED_LOOKUP, { value: original });
  Object.defineProperty(storage, PATCHED, { value: true });
}
