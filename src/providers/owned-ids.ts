import type { ProviderMachine, ProvisionResult, ReclaimNotice } from '../application/provider/provider.port';

/*
 * Ownership is written into the ids the library stores: the composite hands the library
 * `<provider>:<id>` for every machine and resource id, and strips the prefix before asking the
 * provider. Any stored machine or request therefore names its cloud, after a restart or from
 * another process, with nothing kept in memory.
 */

/** `id` as the library stores it for `provider`. */
export function own(provider: string, id: string): string {
  return `${provider}:${id}`;
}

/** Ids split by owning provider (prefix removed); ids naming no configured provider are `unowned`. */
export interface OwnedIds {
  readonly byProvider: Map<string, string[]>;
  readonly unowned: string[];
}

/** Splits `ids` by the provider their prefix names among `known`. */
export function splitByOwner(ids: readonly string[], known: { has(name: string): boolean }): OwnedIds {
  const byProvider = new Map<string, string[]>();
  const unowned: string[] = [];
  for (const id of ids) {
    const colon = id.indexOf(':');
    const provider = colon > 0 ? id.slice(0, colon) : '';
    if (!known.has(provider)) {
      unowned.push(id);
      continue;
    }
    const list = byProvider.get(provider) ?? [];
    list.push(id.slice(colon + 1));
    byProvider.set(provider, list);
  }
  return { byProvider, unowned };
}

/** A machine report with its ids owned by `provider`. */
export function ownMachine(provider: string, machine: ProviderMachine): ProviderMachine {
  if (typeof machine !== 'object' || machine === null) return machine;
  return {
    ...machine,
    machineId: own(provider, machine.machineId),
    ...(typeof machine.resourceId === 'string' ? { resourceId: own(provider, machine.resourceId) } : {}),
  };
}

/** A provision result with its ids owned by `provider`. */
export function ownProvision(provider: string, result: ProvisionResult): ProvisionResult {
  return { resourceIds: result.resourceIds.map((id) => own(provider, id)), machines: result.machines.map((m) => ownMachine(provider, m)) };
}

/** A reclaim notice with its machine owned by `provider`. */
export function ownNotice(provider: string, notice: ReclaimNotice): ReclaimNotice {
  return { ...notice, machineId: own(provider, notice.machineId) };
}
