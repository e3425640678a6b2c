import { ValidationError } from '../kernel/errors';
import type { ReadModelDocument, ReadModelStore } from './read-model-store';
import type { MachineRepository, MachineSave } from './repositories';

/*
 * The batch methods of the ports are optional. The library writes through these helpers, which use
 * the batch method when an adapter has it and otherwise call the single-item method once per item,
 * in order — the same result, one round trip per item.
 */

/** Saves `saves` with `repository.saveMany` when present, else with `save` per entry, in order. */
export async function saveMachines(repository: MachineRepository, saves: readonly MachineSave[]): Promise<void> {
  if (saves.length === 0) return;
  if (saves.length > 1 && repository.saveMany !== undefined) return repository.saveMany(saves);
  for (const { machine, expectedVersion } of saves) await repository.save(machine, expectedVersion);
}

/** Writes `documents` with `store.putMany` when present, else with `put` per document, in order. */
export async function putDocuments(store: ReadModelStore, collection: string, documents: readonly ReadModelDocument[]): Promise<void> {
  if (documents.length === 0) return;
  if (documents.length > 1 && store.putMany !== undefined) return store.putMany(collection, documents);
  for (const document of documents) await store.put(collection, document);
}

/**
 * Checks that no id occurs twice in a batch (`what` names the batch, `path` the id field). Adapters
 * call it before writing anything; throws VALIDATION_FAILED naming the first repeated id.
 */
export function checkDistinctIds(what: string, ids: readonly string[]): void {
  const seen = new Set<string>();
  ids.forEach((id, index) => {
    if (!seen.has(id)) {
      seen.add(id);
      return;
    }
    throw new ValidationError(what, [
      { path: `[${index}]`, constraint: 'distinctIds', message: `id "${id}" occurs more than once in one batch; send each id once (its last state)` },
    ]);
  });
}
