import { createHmac } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHECKSUM_FLAG, loadWithCodeCache } from './code-cache';

const MAGIC = Buffer.from('HFV8CC03');

/** A cache file's parts: the fixed header (magic, mode, key length), the key, the HMAC (mode M) and V8's payload. */
function parts(file: Buffer) {
  const fixed = MAGIC.length + 3;
  const keyEnd = fixed + file.readUInt16BE(MAGIC.length + 1);
  const signed = file[MAGIC.length] === 0x4d;
  return { mode: String.fromCharCode(file[MAGIC.length]!), header: file.subarray(0, fixed), key: file.subarray(fixed, keyEnd), payload: file.subarray(keyEnd + (signed ? 32 : 0)) };
}

// Both ways the provider runs: with V8 checksumming its code caches (`node --verify-snapshot-checksum`,
// as the scripts run it; mode V) and without (a host running `node provider.cjs`; mode M, signed).
describe.each([
  { mode: 'M', checksummed: false },
  { mode: 'V', checksummed: true },
])('loadWithCodeCache: the provider bundle through a V8 code cache (mode $mode)', ({ mode, checksummed }) => {
  const roots: string[] = [];
  afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));
  // What `node --verify-snapshot-checksum` sets at start-up, set for this block only. And V8's
  // in-process compilation cache off: a provider call is a fresh process, which compiles a bundle
  // from the cache file; here the same texts are compiled again and again, and V8 would otherwise
  // answer from memory without ever reading (or checking) the cache file's payload.
  beforeAll(() => {
    setFlagsFromString('--no-compilation-cache');
    if (checksummed) setFlagsFromString(CHECKSUM_FLAG);
  });
  afterAll(() => {
    setFlagsFromString('--compilation-cache');
    if (checksummed) setFlagsFromString('--no-verify-snapshot-checksum');
  });
  const secretFiles = checksummed ? [] : ['provider-cache.key'];

  /** A small CommonJS "bundle" (using require, module and __dirname) and an empty cache directory. */
  function site(answer = 42) {
    const root = mkdtempSync(join(tmpdir(), 'hf-code-cache-'));
    roots.push(root);
    const bundle = join(root, 'bundle.cjs');
    writeBundle(bundle, answer);
    const cacheDir = join(root, 'work');
    mkdirSync(cacheDir);
    return { root, bundle, cacheDir, load: () => loadWithCodeCache({ bundle, cacheDir, name: 'getRequestStatus', checksummed }) };
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
    expect(readdirSync(cacheDir).sort()).toEqual([...secretFiles, expect.stringMatching(/^provider-getRequestStatus-[0-9a-f]{8}\.v8cache$/)]);
    expect(readFileSync(first.cacheFile!).subarray(0, MAGIC.length)).toEqual(MAGIC);
    expect(parts(readFileSync(first.cacheFile!)).mode).toBe(mode);

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
    const loaded = loadWithCodeCache({ bundle, cacheDir: undefined, name: 'getRequestStatus', checksummed });
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

  it('refuses a damaged cache file (flipped payload bytes, cut short, not a cache at all), runs anyway and rewrites it', () => {
    const { load } = site();
    const first = load();
    first.saveCache();
    const file = first.cacheFile!;
    const good = readFileSync(file);
    const flipped = (at: number) => {
      const copy = Buffer.from(good);
      copy[at]! ^= 0xff;
      return copy;
    };
    const { header, key } = parts(good);
    // A damaged payload is found by the HMAC (mode M) or by V8's own checksum (mode V): never run, never an abort.
    const payloadState = checksummed ? 'rejected' : 'corrupt';
    const cases: [Buffer, string][] = [
      [flipped(good.length - 10), payloadState],
      [flipped(header.length + key.length + 40), payloadState],
      [good.subarray(0, good.length >> 1), payloadState],
      [good.subarray(0, 20), 'corrupt'],
      [Buffer.concat([header, key]), 'corrupt'],
      [flipped(MAGIC.length), 'corrupt'],
      [Buffer.from('not a cache'), 'corrupt'],
      [Buffer.alloc(0), 'corrupt'],
    ];
    for (const [damaged, state] of cases) {
      writeFileSync(file, damaged);
      const loaded = load();
      expect(loaded.cache).toBe(state);
      expect(exportsOf(loaded).sum).toBe(42);
      expect(loaded.saveCache()).toBe(true);
      expect(load().cache).toBe('hit');
    }
  });

  it('treats a cache of the other mode as stale and replaces it with one of its own', () => {
    const { bundle, cacheDir, load } = site();
    const other = loadWithCodeCache({ bundle, cacheDir, name: 'getRequestStatus', checksummed: !checksummed });
    expect(other.saveCache()).toBe(true);
    const loaded = load();
    expect(loaded.cache).toBe('stale');
    expect(exportsOf(loaded).answer).toBe(42);
    expect(loaded.saveCache()).toBe(true);
    expect(parts(readFileSync(loaded.cacheFile!)).mode).toBe(mode);
    expect(load().cache).toBe('hit');
  });

  it('tells builds apart by the SHA-1 line the build ends a bundle with, and an edited bundle by its file', () => {
    const { bundle, load } = site();
    const marked = (text: string, sha: string) => writeFileSync(bundle, `${text}//# hostfactory-build ${sha}\n`);
    const text = `'use strict';\nmodule.exports = { answer: 1, sum: 1, here: '' };\n`;
    marked(text, 'a'.repeat(40));
    load().saveCache();
    expect(load().cache).toBe('hit');
    // Another build of the same length: the mark differs.
    marked(text.replace('1, sum: 1', '2, sum: 2'), 'b'.repeat(40));
    const rebuilt = load();
    expect(rebuilt.cache).toBe('stale');
    expect(exportsOf(rebuilt).answer).toBe(2);
    rebuilt.saveCache();
    // Edited by hand, mark kept, same length: the file's change time differs.
    marked(text.replace('1, sum: 1', '3, sum: 3'), 'b'.repeat(40));
    const edited = load();
    expect(edited.cache).toBe('stale');
    expect(exportsOf(edited).answer).toBe(3);
  });

  it('reports a cache V8 refuses (its payload was made for another source) and rewrites it', () => {
    const { bundle, cacheDir, load } = site();
    const first = load();
    first.saveCache();
    const made = parts(readFileSync(first.cacheFile!));
    writeFileSync(bundle, `'use strict';\nmodule.exports = { answer: 7, sum: 7, here: '' };\n`);
    const second = load();
    second.saveCache();
    // The new bundle's own header and key, with the old bundle's payload (signed as the provider
    // signs, with this user's secret, in mode M): only V8's own check is left to refuse it.
    const { header, key } = parts(readFileSync(second.cacheFile!));
    const signature = checksummed ? [] : [createHmac('sha256', readFileSync(join(cacheDir, 'provider-cache.key'))).update(header).update(key).update(made.payload).digest()];
    writeFileSync(second.cacheFile!, Buffer.concat([header, key, ...signature, made.payload]));
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
    const underFile = loadWithCodeCache({ bundle, cacheDir: notADirectory, name: 'getRequestStatus', checksummed });
    expect(underFile.cache).toBe(checksummed ? 'miss' : 'off'); // mode M: no cache secret can be kept there
    expect(exportsOf(underFile).answer).toBe(42);
    expect(underFile.saveCache()).toBe(false);
    // The cache file's place is taken by a directory: not a file, not replaceable.
    const { cacheDir, load } = site();
    const taken = load().cacheFile!;
    mkdirSync(join(taken, 'inside'), { recursive: true });
    const blocked = load();
    expect(blocked.cache).toBe('untrusted');
    expect(blocked.saveCache()).toBe(false);
    expect(readdirSync(cacheDir).sort()).toEqual([...secretFiles, expect.stringMatching(/\.v8cache$/)]); // no temporary file left behind
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
    const loaded = loadWithCodeCache({ bundle, cacheDir, name: '../../etc/passwd', checksummed });
    expect(loaded.cacheFile).toMatch(new RegExp(`^${cacheDir}/provider-etcpasswd-[0-9a-f]{8}\\.v8cache$`));
    expect(loaded.saveCache()).toBe(true);
  });
});
