// Wraps a Storage so the wall time spent inside the store is measured apart from the library's own:
// every port call (repositories, outbox, lock, event log, read models) counts as the store's time,
// and so does a unit of work's begin and commit, but not the library's work inside the transaction.
// Time counts as the store's while more store calls are running than library callbacks inside them.
import { wrapStorage } from './wrap-storage.mjs';

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
  const library = (work) => {
    change(() => inLibrary++);
    return Promise.resolve()
      .then(work)
      .finally(() => change(() => inLibrary--));
  };
  return {
    storage: wrapStorage(storage, { around: (_name, call) => timed(call), aroundWork: library }),
    reset: () => void (total = 0),
    /** Milliseconds spent in the store since the last reset (a call still running is not counted). */
    ms: () => total,
  };
}
