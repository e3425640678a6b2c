import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, linkSync, lstatSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SymphonyDriver } from './driver';
import { buildProvider, sampleTemplates, scripts } from './test-support';

beforeAll(buildProvider, 120_000);

/**
 * Issue 25, items 1 and 2: a local user who can create entries in the provider's work or log
 * directory plants links, FIFOs, huge files and forged caches there. Each case runs the real
 * scripts as separate processes and checks that no file outside those directories changes, that
 * the call answers, and that the next call finds a repaired file.
 */
describe('files planted in the work and log directories', () => {
  const drivers: SymphonyDriver[] = [];
  afterAll(() => drivers.forEach((d) => d.dispose()));

  /** A site after one call: the database, the log and the getAvailableTemplates cache exist; a victim file lies outside both directories. */
  async function site() {
    const d = new SymphonyDriver(scripts, sampleTemplates);
    drivers.push(d);
    const first = await d.run('getAvailableTemplates', {});
    expect(first.exitCode, first.stderr).toBe(0);
    const work = join(d.root, 'work');
    const cacheName = readdirSync(work).find((name) => name.startsWith('provider-getAvailableTemplates-'));
    expect(cacheName).toBeDefined();
    const victim = join(d.root, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    const call = () => d.run('getAvailableTemplates', {});
    return { d, work, cache: join(work, cacheName!), log: join(d.root, 'logs', 'sim-provider.log'), victim, call };
  }
  /** A preloaded module for the scripts' node (NODE_OPTIONS), written into the site. */
  function preload(d: SymphonyDriver, name: string, code: string): Record<string, string> {
    const file = join(d.root, name);
    writeFileSync(file, code);
    return { NODE_OPTIONS: `--require ${file}` };
  }
  // Whether a call rewrote a file: its modification time, set far back before the call (inode
  // numbers are reused at once by some file systems, so they cannot tell).
  const OLD = new Date('2000-01-01T00:00:00Z');
  const mark = (path: string) => utimesSync(path, OLD, OLD);
  const kept = (path: string) => lstatSync(path).mtimeMs === OLD.getTime();
  /** A sparse file of `size` bytes (no disk space used). */
  const sparse = (path: string, size: number) => {
    writeFileSync(path, '');
    truncateSync(path, size);
  };

  it('never writes through a link at the cache, at its temporary names or at the log, nor through a hard link at the log', async () => {
    const { d, work, cache, log, victim } = await site();
    rmSync(cache);
    symlinkSync(victim, cache);
    rmSync(log);
    symlinkSync(victim, log);
    // 0.2.0 wrote the cache through `<cache>.<pid>.<milliseconds>.tmp`: plant that name for this
    // call's process id and every millisecond of the next 20 s.
    const call = d.start('getAvailableTemplates', ['-f', d.inputFile('getAvailableTemplates', {})]);
    const planted = new Set<string>();
    for (let now = Date.now(), t = now; t < now + 20_000; t++) {
      const name = `${cache}.${call.pid}.${t}.tmp`;
      symlinkSync(victim, name);
      planted.add(name);
    }
    const result = await call.result;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/log file sim-provider\.log is not a regular file of this user/); // logged to stderr instead
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(cache).isFile()).toBe(true); // the link was replaced by a cache of its own
    expect(readdirSync(work).filter((name) => name.endsWith('.tmp') && !planted.has(join(work, name)))).toEqual([]);
    expect(readdirSync(d.root).sort()).toEqual(['conf', 'inputs', 'logs', 'victim.txt', 'work']);

    rmSync(log);
    linkSync(victim, log);
    const hardLinked = await d.run('getAvailableTemplates', {});
    expect(hardLinked.exitCode, hardLinked.stderr).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  }, 60_000);

  it('does not hang on a FIFO at the cache path, and replaces it with a cache the next call uses', async () => {
    const { cache, call } = await site();
    rmSync(cache);
    execFileSync('mkfifo', [cache]);
    const result = await call();
    expect(result.exitCode, result.stderr).toBe(0);
    expect(lstatSync(cache).isFile()).toBe(true);
    mark(cache);
    expect((await call()).exitCode).toBe(0);
    expect(kept(cache)).toBe(true); // a cache that loads is not written again
  }, 20_000);

  it('reads neither a link to a huge file nor a huge file at the cache path (peak memory stays far below its size)', async () => {
    const { d, cache, call } = await site();
    const huge = join(d.root, 'huge.bin');
    sparse(huge, 1024 ** 3);
    const report = join(d.root, 'max-rss');
    const env = preload(d, 'max-rss.cjs', `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, String(process.resourceUsage().maxRSS)));`);
    for (const plant of [() => symlinkSync(huge, cache), () => sparse(cache, 1024 ** 3)]) {
      rmSync(cache);
      rmSync(report, { force: true });
      plant();
      const result = await d.run('getAvailableTemplates', {}, { env });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(Number(readFileSync(report, 'utf8'))).toBeLessThan(400 * 1024); // KiB: a read of the file would need 1 GiB
      expect(lstatSync(cache).isFile() && statSync(cache).size < 32 * 1024 ** 2).toBe(true);
    }
    expect(statSync(huge).size).toBe(1024 ** 3);
    expect((await call()).exitCode).toBe(0);
  }, 60_000);

  it('does not abort on a damaged cache, whatever digest was recomputed over it, and rebuilds it', async () => {
    const { cache, call } = await site();
    const good = readFileSync(cache);
    // magic, mode, key length, key (code-cache.ts); the scripts run node with V8 checksumming caches (mode V).
    expect(good.subarray(0, 9).toString('latin1')).toBe('HFV8CC03V');
    const header = 11 + good.readUInt16BE(9);
    const forged = Buffer.from(good);
    for (let i = header + 1000; i < header + 1064; i++) forged[i]! ^= 0x5a; // V8 without its checksum aborts on this payload (exit 133)
    const payload = forged.subarray(header);
    writeFileSync(cache, forged);
    const result = await call();
    expect(result.exitCode, result.stderr).toBe(0);
    const rebuilt = readFileSync(cache);
    expect(rebuilt.equals(forged)).toBe(false);
    // The layouts of earlier releases, with every digest someone without this user's secret could
    // compute: 0.2.0's SHA-1 after the key, and a plain SHA-256 where the HMAC of 0.3's mode M goes.
    const key = rebuilt.subarray(0, header);
    writeFileSync(cache, Buffer.concat([key, createHash('sha1').update(payload).digest(), payload]));
    expect((await call()).exitCode).toBe(0);
    writeFileSync(cache, Buffer.concat([Buffer.from('HFV8CC03M'), key.subarray(9), createHash('sha256').update(payload).digest(), payload]));
    expect((await call()).exitCode).toBe(0);
    mark(cache);
    expect((await call()).exitCode).toBe(0);
    expect(kept(cache)).toBe(true); // rebuilt, then used
  }, 60_000);

  it("refuses a cache of another user (process.getuid faked, no root needed) and one others may write, and rebuilds it; refuses another user's state directory", async () => {
    const { d, cache, call } = await site();
    mark(cache);
    expect((await call()).exitCode).toBe(0);
    expect(kept(cache)).toBe(true); // a cache that loads is kept

    // Every file of the site now looks like another user's: the cache (and its key) are not used.
    const env = preload(d, 'fake-uid.cjs', 'const uid = process.getuid(); process.getuid = () => uid + 1;');
    const foreign = await d.run('getAvailableTemplates', {}, { env });
    expect(kept(cache)).toBe(false); // removed and written again
    expect(foreign.exitCode).toBe(1);
    // The state directory is checked before the database (database-files.test.ts checks the database alone).
    expect(foreign.document.message).toMatch(/state directory \(\$HF_PROVIDER_WORKDIR\) belongs to another user/);

    expect((await call()).exitCode).toBe(0); // its own cache again, written by this call
    mark(cache);
    chmodSync(cache, 0o664);
    expect((await call()).exitCode).toBe(0);
    expect(kept(cache)).toBe(false);
    expect(statSync(cache).mode & 0o077).toBe(0);
  }, 60_000);

  it('never lets SQLite follow a link at the database, and removes links and FIFOs planted at its journals', async () => {
    const d = new SymphonyDriver(scripts, sampleTemplates);
    drivers.push(d);
    const database = d.database;
    const elsewhere = join(d.root, 'elsewhere.db');
    symlinkSync(elsewhere, database);
    const linked = await d.run('getAvailableTemplates', {});
    expect(linked.exitCode).toBe(1);
    expect(linked.document.message).toMatch(/SQLite file hostfactory\.db in the work directory is a symbolic link/);
    expect(existsSync(elsewhere)).toBe(false);

    rmSync(database);
    expect((await d.run('getAvailableTemplates', {})).exitCode).toBe(0);
    expect(statSync(database).mode & 0o077).toBe(0);
    const victim = join(d.root, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${database}${suffix}`, { force: true });
    symlinkSync(victim, `${database}-wal`);
    execFileSync('mkfifo', [`${database}-shm`]);
    symlinkSync(victim, `${database}-journal`);
    const result = await d.run('getAvailableTemplates', {});
    expect(result.exitCode, result.stderr).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(existsSync(`${database}-journal`)).toBe(false);
  }, 60_000);
});
