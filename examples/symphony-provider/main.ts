/**
 * The example Symphony provider's single entry point, bundled to `.build/provider.cjs`:
 * `node provider.cjs <operation> -f <input.json>`. Each script in `scripts/` calls it with its
 * operation name; it prints one JSON document on stdout and exits with the operation's status.
 */
import { runHostFactoryOperation } from '../../src/hostfactory/index';
import { openHostFactory } from './provider';

const [operation = '', ...argv] = process.argv.slice(2);
void runHostFactoryOperation(operation, argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  createHostFactory: openHostFactory,
}).then((code) => {
  process.exitCode = code;
});
