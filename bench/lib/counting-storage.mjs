// Wraps a Storage so every call of a port method is counted (repositories inside transactions,
// the outbox, the event log, the read-model store): the storage round trips of a command.
import { wrapStorage } from './wrap-storage.mjs';

export function countingStorage(storage) {
  const counts = new Map();
  const around = (name, call) => {
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return call();
  };
  return {
    storage: wrapStorage(storage, { around }),
    reset: () => counts.clear(),
    calls: () => Object.fromEntries(counts),
  };
}
