/**
 * The example Symphony provider's entry point, bundled to `.build/provider-main.cjs` and run by
 * `.build/provider.cjs` (start.ts): `node provider.cjs <operation> -f <input.json>`. Each script in
 * `scripts/` calls it with its operation name; it prints one JSON document on stdout and exits with
 * the operation's status. `node provider.cjs reconcile` (scripts/reconcile.sh) runs one Reconcile for cron;
 * `node provider.cjs validateTemplates` (scripts/validateTemplates.sh) checks the templates file.
 */
import { runHostFactoryOperation } from 'hostfactory-kernel/hostfactory';
import { openHostFactory } from './provider';
import { runReconcile } from './reconcile';
import { runValidateTemplates } from './validate-templates';
import { syncTextSink } from './stdio';

const [operation = '', ...argv] = process.argv.slice(2);
// Synchronous writes on the descriptors: no stream is set up for one document (stdio.ts).
const stdout = syncTextSink(1);
const stderr = syncTextSink(2);
const run =
  operation === 'reconcile'
    ? runReconcile(process.env, stdout, stderr)
    : operation === 'validateTemplates'
      ? runValidateTemplates(process.env, stdout, stderr)
      : runHostFactoryOperation(operation, argv, {
        stdout,
        stderr,
        createHostFactory: openHostFactory,
      });
void run.then((code) => {
  // Exit now, not when the event loop drains: a provider call abandoned at its timeout (a socket the
  // cloud never answers) would keep the process alive until Symphony kills it at
  // HF_PROVIDER_ACTION_TIMEOUT, and a killed script is a failed call. The document and the log are
  // written synchronously, and the code cache is saved on 'exit'.
  process.exit(code);
});
