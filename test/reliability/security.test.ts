import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import { createHostFactory } from '../../src/application/host-factory';
import { RequestMachines } from '../../src/application/requests/request.commands';
import { HOSTFACTORY_OPERATIONS, readInputFile, runHostFactoryOperation } from '../../src/hostfactory';
import { createKernel, isKernelError, logging, type Logger } from '../../src/kernel';
import { createInMemoryStorage, FakeProvider, ManualClock, sequentialIds } from '../../src/testing';
import { recordFigures } from './support';
import { templateInput } from '../support/templates';

const SECRET = `s3cr3t-${Math.random().toString(36).slice(2)}-do-not-print`;
const TEMPLATE = templateInput();

let root: string;
let inputs: string;
let logs: string;
let runs = 0;

/** Every file under `dir`, relative, with size, mode and mtime. */
function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (stat === undefined) continue;
      if (stat.isDirectory()) walk(path);
      out.set(relative(root, path), `${stat.size}:${stat.mode.toString(8)}:${stat.mtimeMs}`);
    }
  };
  walk(dir);
  return out;
}

const storage = createInMemoryStorage();
const clock = new ManualClock();
const fake = new FakeProvider({ clock });
const ids = sequentialIds();

async function run(operation: string, argv: string[], options: { logDir?: string; failCreate?: boolean; name?: string } = {}) {
  let stdout = '';
  let stderr = '';
  runs += 1;
  // Without a log directory the run reads no provider environment and logs to stderr.
  const env = { HF_PROVIDER_LOGDIR: options.logDir, HF_PROVIDER_NAME: options.name ?? 'secure', HF_CONFDIR: join(root, 'conf'), HF_WORKDIR: join(root, 'work'), HF_SECRET_TOKEN: SECRET, HOME: root };
  const exitCode = await runHostFactoryOperation(operation, argv, {
    environment: options.logDir === undefined ? 'none' : 'auto',
    createHostFactory: ({ logger }) => {
      if (options.failCreate) throw new Error(`database at postgres://admin:${SECRET}@db refused the connection`);
      return createHostFactory({ storage, provider: fake, clock, ids, logger });
    },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env,
  });
  return { exitCode, stdout, stderr };
}

describe('security', () => {
  beforeAll(async () => {
    process.env.HF_SECRET_TOKEN = SECRET;
    root = mkdtempSync(join(tmpdir(), 'hf-reliability-'));
    inputs = join(root, 'inputs');
    logs = join(root, 'logs');
    mkdirSync(inputs);
    const hf = createHostFactory({ storage, provider: fake, clock, ids });
    await hf.commands.execute(CreateTemplate.from({ template: TEMPLATE }));
    hf.dispose();
  });
  afterAll(() => {
    delete process.env.HF_SECRET_TOKEN;
    rmSync(root, { recursive: true, force: true });
    recordFigures('security', { scriptRuns: runs });
  });

  it('reads the -f file, never writes or executes it, and writes nothing outside the log directory', async () => {
    const marker = join(root, 'executed');
    const file = join(inputs, 'request.json');
    // A file that would leave a marker if anything ran it as a script.
    writeFileSync(file, `${JSON.stringify({ template: { templateId: 'small', machineCount: 1 } })}\n`);
    chmodSync(file, 0o755);
    const script = join(inputs, 'script.json');
    writeFileSync(script, `#!/bin/sh\ntouch ${marker}\n`);
    chmodSync(script, 0o755);
    const before = tree(root);
    const contents = readFileSync(file);
    for (const operation of HOSTFACTORY_OPERATIONS) {
      await run(operation, ['-f', file], { logDir: logs });
      await run(operation, ['-f', script], { logDir: logs });
    }
    expect(readFileSync(file).equals(contents)).toBe(true);
    expect(existsSync(marker)).toBe(false);
    const after = tree(root);
    for (const [path, fingerprint] of before) expect(after.get(path), path).toBe(fingerprint);
    // The only new files are log files inside the configured log directory.
    const created = [...after.keys()].filter((p) => !before.has(p));
    expect(created.length).toBeGreaterThan(0);
    for (const path of created) expect(path.startsWith('logs'), path).toBe(true);
  });

  it('refuses directories, devices, FIFOs, symlinks to devices and oversized files quickly, without reading them', async () => {
    const dir = join(inputs, 'a-directory');
    mkdirSync(dir);
    const huge = join(inputs, 'huge.json');
    writeFileSync(huge, '');
    truncateSync(huge, 17 * 1024 * 1024);
    const link = join(inputs, 'zero-link.json');
    symlinkSync('/dev/zero', link);
    const fifo = join(inputs, 'fifo.json');
    let hasFifo = true;
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      hasFifo = false;
    }
    const cases = [dir, '/dev/zero', link, huge, join(inputs, '..', 'inputs', 'missing.json'), ...(hasFifo ? [fifo] : [])];
    for (const path of cases) {
      const started = performance.now();
      const error = await readInputFile(path).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(isKernelError(error, 'INVALID_INPUT_FILE'), `${path}: ${String(error)}`).toBe(true);
      expect(performance.now() - started, path).toBeLessThan(1_000);
      const result = await run('requestMachines', ['-f', path]);
      expect(result.exitCode).not.toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({ message: expect.any(String) });
    }
    // A bounded read: a file over the limit is refused by its size, and a small limit is honoured.
    const small = join(inputs, 'small.json');
    writeFileSync(small, JSON.stringify({ requests: [{ requestId: 'x'.repeat(100) }] }));
    await expect(readInputFile(small, 10)).rejects.toMatchObject({ code: 'INVALID_INPUT_FILE' });
  });

  it('follows a `..` path or a symlink to a regular file only to read it, leaving it unchanged', async () => {
    const target = join(inputs, 'target.json');
    writeFileSync(target, JSON.stringify({ requests: [{ requestId: 'req-none' }] }));
    const link = join(inputs, 'link.json');
    symlinkSync(target, link);
    const before = statSync(target);
    for (const path of [link, join(inputs, 'a-directory', '..', 'target.json')]) {
      const result = await run('getRequestStatus', ['-f', path]);
      expect(result.exitCode).toBe(0);
    }
    const after = statSync(target);
    expect([after.mode, after.mtimeMs, after.size]).toEqual([before.mode, before.mtimeMs, before.size]);
  });

  it('never prints a stack trace or an environment value in any output or error document, nor in the logs', async () => {
    const documents: string[] = [];
    const bad = join(inputs, 'bad.json');
    writeFileSync(bad, '{"template": {"templateId": "small", "machineCount": "1e309"}');
    const good = join(inputs, 'good.json');
    writeFileSync(good, JSON.stringify({ template: { templateId: 'small', machineCount: 1 } }));
    // The host's own error names the secret: the error document must not, the provider log may (it is the host's text).
    const hostErrors = await Promise.all(HOSTFACTORY_OPERATIONS.map((op) => run(op, ['-f', good], { failCreate: true })));
    for (const result of hostErrors) {
      documents.push(result.stdout);
      expect(result.stdout).not.toContain(SECRET);
      expect(result.stdout).not.toMatch(/\n\s+at .+:\d+:\d+/);
    }
    const runsToCheck = [
      ...HOSTFACTORY_OPERATIONS.map((op) => run(op, ['-f', bad])),
      ...HOSTFACTORY_OPERATIONS.map((op) => run(op, ['-f', join(inputs, 'nope.json')])),
      run('rm -rf /', ['-f', good]),
      run('requestMachines', ['--secret', SECRET]),
    ];
    fake.script({ templateId: 'small' }, { throwAt: { provision: 'cloud refused' } });
    runsToCheck.push(run('requestMachines', ['-f', good]));
    for (const result of await Promise.all(runsToCheck)) {
      documents.push(result.stdout);
      expect(result.stdout).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(result.stdout).not.toContain(SECRET);
      expect(result.stderr).not.toContain(SECRET);
      const document = JSON.parse(result.stdout) as Record<string, unknown>;
      expect(typeof document).toBe('object');
    }
    fake.script({ templateId: 'small' }, { throwAt: {} });
    expect(documents.length).toBeGreaterThan(15);
  });

  it('logs no message body unless the host opts in with includeBodies', async () => {
    const marker = `body-marker-${Math.random().toString(36).slice(2)}`;
    const lines: string[] = [];
    const logger: Logger = {
      debug: (m, f) => void lines.push(JSON.stringify([m, f])),
      info: (m, f) => void lines.push(JSON.stringify([m, f])),
      warn: (m, f) => void lines.push(JSON.stringify([m, f])),
      error: (m, f) => void lines.push(JSON.stringify([m, f])),
    };
    for (const includeBodies of [false, true]) {
      lines.length = 0;
      const hf = createHostFactory({ storage: createInMemoryStorage(), provider: new FakeProvider(), logger, middleware: [logging(logger, { includeBodies })] });
      await hf.commands.execute(CreateTemplate.from({ template: TEMPLATE }));
      await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1, idempotencyKey: marker, tags: { owner: marker } }));
      await hf.commands.execute(RequestMachines.from({ templateId: 'missing', machineCount: 1, idempotencyKey: `${marker}-2` })).catch(() => undefined);
      hf.dispose();
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.some((l) => l.includes(marker))).toBe(includeBodies);
    }
    // The Symphony script's own logs: a machine name sent in a body never reaches the log.
    const returnFile = join(inputs, 'return.json');
    writeFileSync(returnFile, JSON.stringify({ machines: [{ name: marker }] }));
    const result = await run('requestReturnMachines', ['-f', returnFile]);
    expect(result.stderr.length).toBeGreaterThan(0);
    expect(result.stderr).not.toContain(marker);
    // A plain kernel: same rule.
    lines.length = 0;
    const kernel = createKernel({ handlers: [], middleware: [logging(logger)] });
    kernel.commands.register(RequestMachines, { handle: async () => ({ requestId: 'r' }) });
    await kernel.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1, idempotencyKey: marker }));
    kernel.dispose();
    expect(lines.join('\n')).not.toContain(marker);
  });

  it('keeps HF_PROVIDER_NAME from steering the log file outside HF_PROVIDER_LOGDIR: a name with a path in it is refused, nothing written', async () => {
    const dir = join(root, 'logs-name');
    const before = tree(root);
    const refused = await run('getAvailableTemplates', [], { logDir: dir, name: '../../escape' });
    expect(refused.exitCode).toBe(1);
    expect(JSON.parse(refused.stdout)).toEqual({ message: expect.stringMatching(/^HF_PROVIDER_NAME must be 1 to 64 letters, digits/) });
    expect(refused.stdout).not.toContain('escape');
    expect(existsSync(dir)).toBe(false);
    expect([...tree(root).keys()]).toEqual([...before.keys()]);
    expect(existsSync(join(root, '..', 'escape-provider.log'))).toBe(false);
    await run('getAvailableTemplates', [], { logDir: dir });
    expect(readdirSync(dir)).toEqual(['secure-provider.log']);
  });
});
