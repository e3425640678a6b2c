// Wraps a Storage so the wall time spent inside the store is measured apart from the library's own:
// every port call (repositories, outbox, lock, event log, read models) counts as the store's time,
// and so does a unit of work's begin and commit, but not the library's work inside the transaction.
// Time counts as the store's while more store calls are running than library callbacks inside them.
export function timedStorage(storage) {
  let inStore = 0;
  let inLibrary = 0;
  let since = 0;
  let total = 0;
  const storeRunning = () => inStore > inLibrary;
  const change = (update) => {
    const before = storeRunning();
    update();
    const after = storeRunning();
    if (!before && after) since = performance.now();
    if (before && !after) total += performance.now() - since;
  };
  const timed = (call) => {
    change(() => inStore++);
    let result;
    try {
      result = call();
    } catch (error) {
      change(() => inStore--);
      throw error;
    }
    return Promise.resolve(result).finally(() => change(() => inStore--));
  };
  const wrap = (target) =>
    new Proxy(target, {
      get(object, key) {
        const value = Reflect.get(object, key);
        return typeof value === 'function' ? (...args) => timed(() => value.apply(object, args)) : value;
      },
    });
  const library = (work) => {
    change(() => inLibrary++);
    return Promise.resolve()
      .then(work)
      .finally(() => change(() => inLibrary--));
  };
  const unitOfWork = {
    transaction: (work) =>
      timed(() =>
        storage.unitOfWork.transaction((tx) =>
          library(() => work({ templates: wrap(tx.templates), requests: wrap(tx.requests), machines: wrap(tx.machines), outbox: wrap(tx.outbox), lock: (key) => timed(() => tx.lock(key)) })),
        ),
      ),
  };
  return {
    storage: { unitOfWork, eventLog: wrap(storage.eventLog), readModels: wrap(storage.readModels) },
    reset: () => void (total = 0),
    /** Milliseconds spent in the store since the last reset (a call still running is not counted). */
    ms: () => total,
  };
}
