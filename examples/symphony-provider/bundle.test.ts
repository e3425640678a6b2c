import { isAscii } from 'node:buffer';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SymphonyDriver } from './driver';
import { buildProvider, sampleTemplates, scripts } from './test-support';

/*
 * cloud.ts loads the AWS adapter with a dynamic import, so a call on the simulated cloud never loads
 * the AWS SDK. esbuild turns each module reachable through that import into a lazily initialised one
 * (`__esm`); when the adapter imported an entry point of the library the rest does not use
 * (`hostfactory-kernel/hostfactory` for its JSON parser), every library module and the whole of
 * class-validator, class-transformer and typedi were bundled that way: 729 KB instead of 663 KB, on
 * every call's start-up. Only the adapter's own files may be lazy, and the call recorder's
 * (run-operation.ts loads it only when HF_PROVIDER_RECORD asks for a recording).
 */
const here = dirname(fileURLToPath(import.meta.url));

/**
 * The paths of the bundle's wrapped (`__esm`) modules, and which of them run as the bundle loads: those
 * whose `init_…()` is a top-level statement, and what their initialisers initialise in turn. A dynamic
 * import (`Promise.resolve().then(() => (init_…(), …))`) runs its module only when reached.
 */
function wrappedModules(bundle: string): { wrapped: Map<string, string>; eager: Set<string> } {
  const wrapped = new Map<string, string>();
  const deps = new Map<string, string[]>();
  const roots: string[] = [];
  let current: string | undefined;
  const lines = bundle.split('\n');
  lines.forEach((line, i) => {
    const opened = /^var (init_\w+) = __esm\(\{$/.exec(line);
    if (opened) {
      current = opened[1]!;
      wrapped.set(current, /"([^"]+)"/.exec(lines[i + 1] ?? '')?.[1] ?? '');
      deps.set(current, []);
    } else if (current !== undefined && line === '});') current = undefined;
    else if (current !== undefined) {
      const call = /^\s+(init_\w+)\(\);$/.exec(line);
      if (call) deps.get(current)!.push(call[1]!);
    } else {
      const call = /^(init_\w+)\(\);$/.exec(line);
      if (call) roots.push(call[1]!);
    }
  });
  const eager = new Set<string>();
  for (let next = roots.pop(); next !== undefined; next = roots.pop()) {
    if (eager.has(next)) continue;
    eager.add(next);
    roots.push(...(deps.get(next) ?? []));
  }
  return { wrapped, eager: new Set([...eager].map((init) => wrapped.get(init) ?? init)) };
}

/** Lazy because the recorder imports them: file-logger.ts (the recording file's opener) and package.json (the format's version). */
const RECORDER_IMPORTS = ['src/hostfactory/file-logger.ts', 'package.json'];

describe('the provider bundle', () => {
  let bundle = '';
  let lazy: string[] = [];
  let wrapped = new Map<string, string>();
  let eager = new Set<string>();
  beforeAll(() => {
    buildProvider();
    bundle = readFileSync(join(here, '.build', 'provider-main.cjs'), 'utf8');
    ({ wrapped, eager } = wrappedModules(bundle));
    lazy = [...wrapped.values()];
  }, 120_000);

  it('initialises lazily only the AWS adapter’s and the call recorder’s own modules', () => {
    expect(lazy.length).toBeGreaterThan(0);
    // The adapter's own files, and packages only it uses (lru-cache, for its SSM image cache).
    const others = lazy.filter(
      (path) => !path.startsWith('examples/aws-provider/') && !path.startsWith('node_modules/lru-cache/') && !path.startsWith('src/hostfactory/recording/'),
    );
    expect(others.filter((path) => !RECORDER_IMPORTS.includes(path))).toEqual([]);
  });

  it('runs the call recorder’s code only when a call is recorded', () => {
    // A module esbuild did not wrap runs its top level as the bundle loads, on every call; so does a
    // wrapped one that code run as the bundle loads initialises.
    for (const file of ['recorder.ts', 'recording-file.ts', 'redact.ts', 'recording-format.ts']) {
      expect(lazy).toContain(`src/hostfactory/recording/${file}`);
      expect(eager).not.toContain(`src/hostfactory/recording/${file}`);
    }
  });

  it('holds one class-transformer metadata storage, the one its decorators write to', () => {
    // The kernel's instance plans read the storage `class-transformer/cjs/storage.js` names; a second
    // copy (CommonJS beside the bundled ESM build) would never see a decorator (examples/tsup.config.ts).
    const modules = [...bundle.matchAll(/^\/\/ (\S*node_modules\/class-transformer\/\S+)$/gm)].map((m) => m[1]!);
    expect(modules.length).toBeGreaterThan(0);
    expect(modules.filter((path) => path.includes('/cjs/'))).toEqual([]);
  });

  it('is ASCII text, so each call reads it as one-byte text (a non-ASCII comment made it a two-byte string twice the size)', () => {
    // code-cache.ts decodes a non-ASCII bundle as UTF-8; V8 then copies, hashes and scans 1.6 MB instead of 0.8.
    for (const file of ['provider-main.cjs', 'provider.cjs']) {
      const bytes = readFileSync(join(here, '.build', file));
      const first = bytes.findIndex((byte) => byte > 0x7f);
      expect(first === -1 ? undefined : `${file}: ${bytes.subarray(Math.max(0, first - 60), first + 20).toString()}`).toBeUndefined();
      expect(isAscii(bytes)).toBe(true);
    }
  });
});

/*
 * What a call's start-up loads (issue 27, cold start): node:crypto and the stream modules it pulls in
 * are about 3 ms of a call that needs neither. The scripts run node with V8 checksumming its code
 * caches, so the cache needs no keyed digest; the build marks each bundle with its SHA-1, so the cache
 * key needs no hash of the bundle; ids come from the system's generator (src/kernel/node-crypto.ts).
 */
describe('a Symphony call through its script', () => {
  const drivers: SymphonyDriver[] = [];
  afterAll(() => drivers.forEach((d) => d.dispose()));
  beforeAll(buildProvider, 120_000);

  it('reads its code cache, checksummed by V8, and loads neither node:crypto nor node:v8 for getRequestStatus', async () => {
    const driver = new SymphonyDriver(scripts, sampleTemplates);
    drivers.push(driver);
    // Preloaded through NODE_OPTIONS (the script's own `node` line is kept): what the process loaded, at exit.
    const probe = join(driver.root, 'probe.cjs');
    const seen = join(driver.root, 'loaded.json');
    writeFileSync(probe, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(seen)}, JSON.stringify({ loaded: process.moduleLoadList, execArgv: process.execArgv })));\n`);
    const requested = await driver.run('requestMachines', { template: { templateId: 'OnDemand-Small', machineCount: 1 } });
    expect(requested.exitCode, requested.stdout).toBe(0);
    const status = { requests: [{ requestId: requested.document.requestId }] };
    expect((await driver.run('getRequestStatus', status)).exitCode).toBe(0); // writes the cache of this operation
    const caches = readdirSync(driver.stateDir).filter((name) => name.startsWith('provider-getRequestStatus-'));
    expect(caches).toHaveLength(1);
    expect(readFileSync(join(driver.stateDir, caches[0]!)).subarray(0, 9).toString('latin1')).toBe('HFV8CC03V');
    expect(readdirSync(driver.stateDir)).not.toContain('provider-cache.key');

    const probed = await driver.run('getRequestStatus', status, { env: { NODE_OPTIONS: `--require ${probe}` } });
    expect(probed.exitCode, probed.stdout).toBe(0);
    const { loaded, execArgv } = JSON.parse(readFileSync(seen, 'utf8')) as { loaded: string[]; execArgv: string[] };
    expect(execArgv).toContain('--verify-snapshot-checksum');
    expect(loaded.filter((name) => /^NativeModule (crypto|v8|stream|zlib|perf_hooks)$/.test(name))).toEqual([]);

    // Recorded (docs/replay.md), the call stays within 1.1 x of an unrecorded one: the recorder times the
    // call with process.hrtime, since the global `performance` loads perf_hooks and eleven modules more.
    const recorded = await driver.run('getRequestStatus', status, { env: { NODE_OPTIONS: `--require ${probe}`, HF_PROVIDER_RECORD: '1' } });
    expect(recorded.exitCode, recorded.stdout).toBe(0);
    expect(readdirSync(driver.logDir).some((name) => name.includes('.recording'))).toBe(true);
    const withRecorder = (JSON.parse(readFileSync(seen, 'utf8')) as { loaded: string[] }).loaded;
    expect(withRecorder.filter((name) => /^NativeModule (crypto|v8|stream|zlib|perf_hooks)$/.test(name))).toEqual([]);
  }, 60_000);
});
