/**
 * The example Symphony provider's entry point, bundled to `.build/provider-main.cjs` and run by
 * `.build/provider.cjs` (start.ts): `node provider.cjs <operation> -f <input.json>`. Each script in
 * `scripts/` calls it with its operation name; it prints one JSON document on stdout and exits with
 * the operation's status. `node provider.cjs reconcile` (scripts/reconcile.sh) runs one Reconcile for cron.
 */
import { runHostFactoryOperation } from 'hostfactory-kernel/hostfactory';
import { openHostFactory } from './provider';
import { runReconcile } from './reconcile';
import { syncTextSink } from './stdio';

const [operation = '', ...argv] = process.argv.slice(2);
// Synchronous writes on the descriptors: no stream is set up for one document (stdio.ts).
const stdout = syncTextSink(1);
const stderr = syncTextSink(2);
const run =
  operation === 'reconcile'
    ? runReconcile(process.env, stdout, stderr)
    : runHostFactoryOperation(operation, argv, {
        stdout,
        stderr,
        createHostFactory: openHostFactory,
      });
void run.then((code) => {
  process.exitCode = code;
});
