/**
 * The provider's start-up file, bundled to `.build/provider.cjs` (what the scripts run): it runs
 * the provider bundle (`.build/provider-main.cjs`, from `main.ts`) through V8's code cache kept in
 * `$HF_PROVIDER_WORKDIR`, one file per operation (`code-cache.ts`), and writes that cache when the
 * process exits if it was missing or unusable. Nothing here can fail a call that would otherwise work.
 */
import { join } from 'node:path';
import { loadWithCodeCache } from './code-cache';

const loaded = loadWithCodeCache({
  bundle: join(__dirname, 'provider-main.cjs'),
  cacheDir: process.env.HF_PROVIDER_WORKDIR,
  name: process.argv[2] ?? '',
});
if (loaded.cache !== 'hit') process.once('exit', () => loaded.saveCache());
