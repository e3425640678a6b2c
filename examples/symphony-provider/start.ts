/**
 * The provider's start-up file, bundled to `.build/provider.cjs` (what the scripts run): it runs
 * the provider bundle (`.build/provider-main.cjs`, from `main.ts`) through V8's code cache kept in
 * the provider's state directory (`resolveProviderEnvironment`), one file per operation (`code-cache.ts`), and writes that cache when the
 * process exits if it was missing or unusable. Nothing here can fail a call that would otherwise work.
 */
import { join } from 'node:path';
import { resolveProviderEnvironment } from 'hostfactory-kernel/hostfactory';
import { loadWithCodeCache } from './code-cache';

/** The provider's own state directory, or none (no cache) when the environment cannot be used: the call then says why. */
function stateDirectory(): string | undefined {
  try {
    return resolveProviderEnvironment(process.env).stateDir;
  } catch {
    return undefined;
  }
}

const loaded = loadWithCodeCache({
  bundle: join(__dirname, 'provider-main.cjs'),
  cacheDir: stateDirectory(),
  name: process.argv[2] ?? '',
  // This file's own require: the bundle is in the same directory, so it resolves the same modules.
  require,
});
if (loaded.cache !== 'hit') process.once('exit', () => loaded.saveCache());
