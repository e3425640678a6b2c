// Wraps a Storage so every call of a port method is counted (repositories inside transactions,
// the outbox, the event log, the read-model store): the storage round trips of a command.
export function countingStorage(storage) {
  const counts = new Map();
  const count = (name) => counts.set(name, (counts.get(name) ?? 0) + 1);
  const wrap = (prefix, target) =>
    new Proxy(target, {
      get(object, key) {
        const value = Reflect.get(object, key);
        if (typeof value !== 'function') return value;
        return (...args) => {
          count(`${prefix}.${String(key)}`);
          return value.apply(object, args);
        };
      },
    });
  const unitOfWork = {
    transaction(work) {
      count('unitOfWork.transaction');
      return storage.unitOfWork.transaction((tx) =>
        work({
          templates: wrap('templates', tx.templates),
          requests: wrap('requests', tx.requests),
          machines: wrap('machines', tx.machines),
          outbox: wrap('outbox', tx.outbox),
          lock: (key) => (count('tx.lock'), tx.lock(key)),
        }),
      );
    },
  };
  return {
    storage: { unitOfWork, eventLog: wrap('eventLog', storage.eventLog), readModels: wrap('readModels', storage.readModels) },
    reset: () => counts.clear(),
    calls: () => Object.fromEntries(counts),
  };
}
