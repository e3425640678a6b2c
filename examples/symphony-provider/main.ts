/**
 * The example Symphony provider's single entry point, bundled to `.build/provider.cjs`:
 * `node provider.cjs <operation> -f <input.json>`. Each script in `scripts/` calls it with its
 * operation name; it prints one JSON document on stdout and exits with the operation's status.
 * `node provider.cjs reconcile` (scripts/reconcile.sh) runs one Reconcile for cron.
 */
import { runHostFactoryOperation } from '../../src/hostfactory/index';
import { openHostFactory } from './provider';
import { runReconcile } from './reconcile';

const [operation = '', ...argv] = process.argv.slice(2);
const run =
  operation === 'reconcile'
    ? runReconcile(process.env, process.stdout, process.stderr)
    : runHostFactoryOperation(operation, argv, {
        stdout: process.stdout,
        stderr: process.stderr,
        createHostFactory: openHostFactory,
      });
void run.then((code) => {
  process.exitCode = code;
});
