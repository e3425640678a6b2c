// A Storage whose every port call (repositories and lock inside a transaction, the outbox, the
// event log, the read-model store, the transaction itself) goes through `around(name, call)`, and
// the library's work inside each unit of work through `aroundWork(work)`. The counting and timing
// wrappers of the benches are both built on it.
export function wrapStorage(storage, { around, aroundWork = (work) => work() }) {
  const wrap = (prefix, target) =>
    new Proxy(target, {
      get(object, key) {
        const value = Reflect.get(object, key);
        return typeof value === 'function' ? (...args) => around(`${prefix}.${String(key)}`, () => value.apply(object, args)) : value;
      },
    });
  const unitOfWork = {
    transaction: (work) =>
      around('unitOfWork.transaction', () =>
        storage.unitOfWork.transaction((tx) =>
          aroundWork(() =>
            work({
              templates: wrap('templates', tx.templates),
              requests: wrap('requests', tx.requests),
              machines: wrap('machines', tx.machines),
              outbox: wrap('outbox', tx.outbox),
              lock: (key) => around('tx.lock', () => tx.lock(key)),
            }),
          ),
        ),
      ),
  };
  return { unitOfWork, eventLog: wrap('eventLog', storage.eventLog), readModels: wrap('readModels', storage.readModels) };
}
