import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProvider } from './test-support';

/*
 * cloud.ts loads the AWS adapter with a dynamic import, so a call on the simulated cloud never loads
 * the AWS SDK. esbuild turns each module reachable through that import into a lazily initialised one
 * (`__esm`); when the adapter imported an entry point of the library the rest does not use
 * (`hostfactory-kernel/hostfactory` for its JSON parser), every library module and the whole of
 * class-validator, class-transformer and typedi were bundled that way: 729 KB instead of 663 KB, on
 * every call's start-up. Only the adapter's own files may be lazy.
 */
const here = dirname(fileURLToPath(import.meta.url));

describe('the provider bundle', () => {
  beforeAll(() => buildProvider(), 120_000);

  it('initialises lazily only the AWS adapter’s own modules', () => {
    const bundle = readFileSync(join(here, '.build', 'provider-main.cjs'), 'utf8');
    const lazy = [...bundle.matchAll(/= __esm\(\{\n\s*"([^"]+)"\(\)/g)].map((m) => m[1]!);
    expect(lazy.length).toBeGreaterThan(0);
    // The adapter's own files, and packages only it uses (lru-cache, for its SSM image cache).
    expect(lazy.filter((path) => !path.startsWith('examples/aws-provider/') && !path.startsWith('node_modules/lru-cache/'))).toEqual([]);
  });
});
