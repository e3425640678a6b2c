import { context, diag, metrics, propagation, trace } from '@opentelemetry/api';

// A setup file of the mutation run's `isolated` project (vitest.mutation.config.ts), after mutation-setup.ts.
//
// That project's files read process-wide state: every handler decorated in the process (the library keeps
// its registry on `globalThis`, so that two copies of it in one host share it), the causation scope, and
// the OpenTelemetry API's globals. vitest re-evaluates the library for each of them (`isolate: true`), but
// the kept thread of persistent-pool.ts outlives the file, and so would anything a file left on
// `globalThis` or in a module loaded from node_modules (those are not re-evaluated). Each file starts here
// with none of it, as in a fresh thread.
for (const key of ['hostfactory-kernel.registry.v2', 'hostfactory-kernel.causation-scope']) delete (globalThis as Record<symbol, unknown>)[Symbol.for(key)];
// The API's own reset: each unregisters its global and drops the proxies that pointed at it.
trace.disable();
context.disable();
propagation.disable();
metrics.disable();
diag.disable();
