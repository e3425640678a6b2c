import { createHash, createHmac } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadWithCodeCache } from './code-cache';

const MAGIC = Buffer.from('HFV8CC02');
const HEADER_BYTES = MAGIC.length + 20 + 32;

describe('loadWithCodeCache: the provider bundle through a V8 code cache', () => {
  const roots: string[] = [];
  afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

  /** A small CommonJS "bundle" (using require, module and __dirname) and an empty cache directory. */
  function site(answer = 42) {
    const root = mkdtempSync(join(tmpdir(), 'hf-code-cache-'));
    roots.push(root);
    const bundle = join(root, 'bundle.cjs');
    writeBundle(bundle, answer);
    const cacheDir = join(root, 'work');
    mkdirSync(cacheDir);
    return { root, bundle, cacheDir, load: () => loadWithCodeCache({ bundle, cacheDir, name: 'getRequestStatus' }) };
  }
  function writeBundle(bundle: string, answer: number): void {
    const body = Array.from({ length: 40 }, (_, i) => `function f${i}(x) { return x + ${i}; }`).join('\n');
    writeFileSync(bundle, `'use strict';\n${body}\nconst { join } = require('node:path');\nmodule.exports = { answer: ${answer}, sum: f1(1) + f39(1), here: join(__dirname, 'x') };\n`);
  }
  const exportsOf = (loaded: { exports: unknown }) => loaded.exports as { answer: number; sum: number; here: string };

  it('runs the bundle as CommonJS, writes a cache on the first call and uses it on the next', () => {
    const { root, cacheDir, load } = site();
    const first = load();
    expect(first.cache).toBe('miss');
    expect(exportsOf(first)).toEqual({ answer: 42, sum: 42, here: join(root, 'x') });
    expect(first.saveCache()).toBe(true);
    expect(readdirSync(cacheDir).sort()).toEqual(['provider-cache.key', expect.stringMatching(/^provider-getRequestStatus-[0-9a-f]{8}\.v8cache$/)]);
    expect(readFileSync(first.cacheFile!).subarray(0, MAGIC.length)).toEqual(MAGIC);

    const second = load();
    expect(second.cache).toBe('hit');
    expect(exportsOf(second).answer).toBe(42);
    expect(second.saveCache()).toBe(false); // a hit is not written again
  });

  it('reads a bundle that is not ASCII as UTF-8, with or without a cache', () => {
    const { bundle, load } = site();
    writeFileSync(bundle, `'use strict';\nmodule.exports = { text: 'héllo → wörld' };\n`);
    const first = load();
    expect((first.exports as { text: string }).text).toBe('héllo → wörld');
    first.saveCache();
    const second = load();
    expect(second.cache).toBe('hit');
    expect((second.exports as { text: string }).text).toBe('héllo → wörld');
  });

  it('runs without a cache when no directory is given', () => {
    const { bundle } = site();
    const loaded = loadWithCodeCache({ bundle, cacheDir: undefined, name: 'getRequestStatus' });
    expect(loaded.cache).toBe('off');
    expect(loaded.cacheFile).toBeUndefined();
    expect(exportsOf(loaded).answer).toBe(42);
    expect(loaded.saveCache()).toBe(false);
  });

  it('treats a cache written for another bundle text as stale: runs the new text, then replaces the cache', () => {
    const { bundle, load } = site();
    load().saveCache();
    writeBundle(bundle, 43); // same length, other code: only the key tells them apart
    const stale = load();
    expect(stale.cache).toBe('stale');
    expect(exportsOf(stale).answer).toBe(43);
    expect(stale.saveCache()).toBe(true);
    expect(load().cache).toBe('hit');
    expect(exportsOf(load()).answer).toBe(43);
  });

  it('refuses a damaged cache file (flipped payload byte, cut short, not a cache at all), runs anyway and rewrites it', () => {
    const { load } = site();
    const first = load();
    first.saveCache();
    const file = first.cacheFile!;
    const good = readFileSync(file);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 10]! ^= 0xff;
    for (const damaged of [flipped, good.subarray(0, good.length >> 1), good.subarray(0, 20), Buffer.from('not a cache'), Buffer.alloc(0)]) {
      writeFileSync(file, damaged);
      const loaded = load();
      expect(loaded.cache).toBe('corrupt');
      expect(exportsOf(loaded).sum).toBe(42);
      expect(loaded.saveCache()).toBe(true);
      expect(load().cache).toBe('hit');
    }
  });

  it('reports a cache V8 refuses (its payload was made for another source) and rewrites it', () => {
    const { bundle, cacheDir, load } = site();
    const first = load();
    first.saveCache();
    const payload = readFileSync(first.cacheFile!).subarray(HEADER_BYTES);
    writeFileSync(bundle, `'use strict';\nmodule.exports = { answer: 7, sum: 7, here: '' };\n`);
    // Signed as the provider signs (with this user's secret): only V8's own check is left to refuse it.
    const key = createHash('sha1').update(`${process.version}\0${process.arch}\0`).update(readFileSync(bundle)).digest();
    const secret = readFileSync(join(cacheDir, 'provider-cache.key'));
    const mac = createHmac('sha256', secret).update(MAGIC).update(key).update(payload).digest();
    writeFileSync(first.cacheFile!, Buffer.concat([MAGIC, key, mac, payload]));
    const refused = load();
    expect(refused.cache).toBe('rejected');
    expect(exportsOf(refused).answer).toBe(7);
    expect(refused.saveCache()).toBe(true);
    expect(load().cache).toBe('hit');
  });

  it('does not use a cache file others may write (it could hold any code), and replaces it with its own', () => {
    const { load } = site();
    const first = load();
    first.saveCache();
    for (const mode of [0o666, 0o646, 0o664]) {
      chmodSync(first.cacheFile!, mode);
      const loaded = load();
      expect(loaded.cache).toBe('untrusted');
      expect(exportsOf(loaded).answer).toBe(42);
      expect(loaded.saveCache()).toBe(true);
      expect(load().cache).toBe('hit');
    }
  });

  it("does not use another user's cache file, even one no one else may write (process.getuid faked)", () => {
    const { load } = site();
    load().saveCache();
    expect(load().cache).toBe('hit');
    const uid = process.getuid!();
    const spy = vi.spyOn(process, 'getuid').mockReturnValue(uid + 1);
    try {
      const loaded = load();
      expect(loaded.cache).toBe('untrusted');
      expect(exportsOf(loaded).answer).toBe(42);
    } finally {
      spy.mockRestore();
    }
  });

  it('never fails the call when the cache cannot be read or written', () => {
    const { root, bundle } = site();
    // The cache directory is a regular file: nothing can be read or written under it.
    const notADirectory = join(root, 'file');
    writeFileSync(notADirectory, 'x');
    const underFile = loadWithCodeCache({ bundle, cacheDir: notADirectory, name: 'getRequestStatus' });
    expect(underFile.cache).toBe('off'); // no cache secret can be kept there
    expect(exportsOf(underFile).answer).toBe(42);
    expect(underFile.saveCache()).toBe(false);
    // The cache file's place is taken by a directory: not a file, not replaceable.
    const { cacheDir, load } = site();
    const taken = load().cacheFile!;
    mkdirSync(join(taken, 'inside'), { recursive: true });
    const blocked = load();
    expect(blocked.cache).toBe('untrusted');
    expect(blocked.saveCache()).toBe(false);
    expect(readdirSync(cacheDir).sort()).toEqual(['provider-cache.key', expect.stringMatching(/\.v8cache$/)]); // no temporary file left behind
  });

  it('removes the temporary files of calls killed while writing the cache, once they are a minute old, and nothing else', () => {
    const { root, cacheDir, load } = site();
    const file = load().cacheFile!;
    const name = (n: number) => `${file}.${n.toString(16).padStart(32, '0')}.tmp`;
    const old = new Date(Date.now() - 120_000);
    writeFileSync(name(1), 'left by a killed call');
    utimesSync(name(1), old, old);
    writeFileSync(name(2), 'being written right now');
    writeFileSync(join(root, 'victim'), 'precious');
    symlinkSync(join(root, 'victim'), name(3));
    writeFileSync(`${file}.old.tmp`, 'not one of ours');
    utimesSync(`${file}.old.tmp`, old, old);
    expect(load().saveCache()).toBe(true);
    const left = readdirSync(cacheDir).sort();
    expect(left).not.toContain(name(1).slice(cacheDir.length + 1));
    for (const kept of [name(2), name(3), `${file}.old.tmp`]) expect(left).toContain(kept.slice(cacheDir.length + 1));
    expect(readFileSync(join(root, 'victim'), 'utf8')).toBe('precious');
  });

  it('keeps the cache file inside the directory whatever the operation name', () => {
    const { cacheDir, bundle } = site();
    const loaded = loadWithCodeCache({ bundle, cacheDir, name: '../../etc/passwd' });
    expect(loaded.cacheFile).toMatch(new RegExp(`^${cacheDir}/provider-etcpasswd-[0-9a-f]{8}\\.v8cache$`));
    expect(loaded.saveCache()).toBe(true);
  });
});
