import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHostFactory, type HostFactory } from '../../src/application/host-factory';
import { fromPlain } from '../../src/application/read-models/dto';
import { RequestStatusDto } from '../../src/application/read-models/request.dto';
import { MACHINE_STATUSES } from '../../src/domain/machine/machine-status';
import { REQUEST_STATUSES } from '../../src/domain/request/request-status';
import {
  fileLogger,
  formatErrorOutput,
  parseFileArgument,
  runHostFactoryOperation,
} from '../../src/hostfactory';
import { formatRequestStatusEntry, wireMachineStatus, wireRequestStatus } from '../../src/hostfactory/output';
import { KernelError } from '../../src/kernel';
import { createSiteWithTemplates, schemaErrors, type Site } from './support';

describe('runHostFactoryOperation', () => {
  let site: Site;
  beforeEach(async () => {
    site = await createSiteWithTemplates();
  });
  afterEach(() => site.close());

  it('takes -f, --file, -f= and --file= alike', async () => {
    const file = join(site.dir, 'in.json');
    writeFileSync(file, '{}');
    for (const argv of [['-f', file], ['--file', file], [`-f=${file}`], [`--file=${file}`]]) {
      expect(parseFileArgument(argv)).toBe(file);
      expect((await site.runArgs('getAvailableTemplates', argv)).exitCode).toBe(0);
    }
    expect(() => parseFileArgument(['-f'])).toThrow(/needs a file name/);
    expect(() => parseFileArgument(['-f', 'a', '-f', 'b'])).toThrow(/given twice/);
  });

  it('prints exactly one JSON document on stdout and logs to stderr', async () => {
    const { stdout, stderr } = await site.run('requestMachines', { template: { templateId: 'Grid-OnDemand', machineCount: 1 } });
    expect(() => JSON.parse(stdout)).not.toThrow();
    expect(stdout.endsWith('}\n')).toBe(true);
    for (const line of stderr.trim().split('\n')) expect(JSON.parse(line)).toMatchObject({ level: expect.any(String), message: expect.any(String) });
  });

  it('writes logs as JSON lines to <HF_PROVIDER_NAME>-provider.log under HF_PROVIDER_LOGDIR, never to stdout or stderr', async () => {
    const file = join(site.dir, 'in.json');
    writeFileSync(file, JSON.stringify({ template: { templateId: 'Grid-Nope', machineCount: 1 } }));
    let stdout = '';
    let stderr = '';
    const exitCode = await runHostFactoryOperation('requestMachines', ['-f', file], {
      createHostFactory: ({ logger }) => createHostFactory({ storage: site.storage, provider: site.fake, clock: site.clock, logger }),
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      env: { HF_PROVIDER_LOGDIR: join(site.dir, 'logs'), HF_PROVIDER_NAME: 'gridaws', HF_CONFDIR: join(site.dir, 'conf'), HF_WORKDIR: join(site.dir, 'work') },
    });
    expect(exitCode).toBe(1);
    expect(JSON.parse(stdout)).toEqual({ message: expect.stringContaining('Grid-Nope') });
    expect(stderr).toBe('');
    const lines = readFileSync(join(site.dir, 'logs', 'gridaws-provider.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.level)).toEqual(['warn', 'info']);
    expect(lines[0]).toMatchObject({ operation: 'requestMachines', code: 'TEMPLATE_NOT_FOUND' });
  });

  it('answers a host factory that cannot be created with its message, and hides unexpected errors', async () => {
    const file = join(site.dir, 'in.json');
    writeFileSync(file, '{}');
    const run = (make: () => HostFactory) => {
      let stdout = '';
      return runHostFactoryOperation('getAvailableTemplates', ['-f', file], {
        createHostFactory: make,
        stdout: { write: (s: string) => (stdout += s) },
        stderr: { write: () => true },
        env: {},
        environment: 'none',
      }).then((exitCode) => ({ exitCode, document: JSON.parse(stdout) as { message: string } }));
    };
    const misconfigured = await run(() => createHostFactory({} as never));
    expect(misconfigured.exitCode).toBe(1);
    expect(misconfigured.document.message).toMatch(/missing required ports/);
    const secret = await run(() => {
      throw new Error('connect ECONNREFUSED postgres://admin:hunter2@db:5432');
    });
    expect(secret.exitCode).toBe(1);
    expect(secret.document.message).not.toContain('hunter2');
    expect(secret.document.message).toMatch(/unexpected Error.*provider log/);
  });

  it('disposes the host factory after the run', async () => {
    let disposed = 0;
    await site.runArgs('getAvailableTemplates', []);
    const exitCode = await runHostFactoryOperation('getAvailableTemplates', [], {
      createHostFactory: () => {
        const hf = createHostFactory({ storage: site.storage, provider: site.fake, clock: site.clock });
        return { ...hf, dispose: () => ((disposed += 1), hf.dispose()) };
      },
      stdout: { write: () => true },
      stderr: { write: () => true },
      env: {},
      environment: 'none',
    });
    expect(exitCode).toBe(0);
    expect(disposed).toBe(1);
  });

  it('refuses a FIFO without blocking on it', async () => {
    const fifo = join(site.dir, 'pipe');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      return; // no mkfifo on this platform
    }
    const result = await site.runArgs('getRequestStatus', ['-f', fifo]);
    expect(result.exitCode).toBe(1);
    expect(result.document.message).toMatch(/not a regular file/);
  });
});

describe('fileLogger', () => {
  it('appends one JSON object per line and creates the directory', async () => {
    const site = await createSiteWithTemplates();
    const dir = join(site.dir, 'nested', 'logs');
    const logger = fileLogger(dir, { level: 'info' });
    logger.debug('dropped');
    logger.info('hello', { requestId: 'req-1' });
    logger.error('boom', { error: new Error('bad') });
    const lines = readFileSync(join(dir, 'hostfactory-provider.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', message: 'hello', requestId: 'req-1' }),
      expect.objectContaining({ level: 'error', message: 'boom', error: expect.objectContaining({ message: 'bad' }) }),
    ]);
    site.close();
  });
});

describe('status mapping', () => {
  it('maps every request status to running / complete / complete_with_error', () => {
    expect(Object.fromEntries(REQUEST_STATUSES.map((s) => [s, wireRequestStatus(s)]))).toEqual({
      pending: 'running',
      in_progress: 'running',
      completed: 'complete',
      partial: 'complete_with_error',
      failed: 'complete_with_error',
      cancelled: 'complete_with_error',
      timeout: 'complete_with_error',
    });
  });

  it('reports failed as terminated and unknown as pending, with the detail in message', () => {
    expect(MACHINE_STATUSES.map(wireMachineStatus)).toEqual(MACHINE_STATUSES.map((s) => (s === 'failed' ? 'terminated' : s === 'unknown' ? 'pending' : s)));
    const dto = fromPlain(RequestStatusDto, {
      requestId: 'req-x',
      type: 'acquire',
      status: 'failed',
      statusMessage: '',
      createdAt: '2026-03-02T08:00:00.000Z',
      machines: [
        { machineId: 'i-1', name: null, status: 'failed', statusReason: '', result: 'fail', message: '', instanceTags: {}, launchTime: null },
        { machineId: 'i-2', name: 'h2', status: 'unknown', statusReason: '', result: 'executing', message: '', instanceTags: { a: 'b' }, launchTime: '2026-03-02T08:00:01.900Z' },
      ],
    });
    const entry = formatRequestStatusEntry(dto);
    expect(entry.status).toBe('complete_with_error');
    expect(entry.message).not.toBe('');
    expect(entry.machines[0]).toMatchObject({ status: 'terminated', result: 'fail', name: '', message: expect.stringMatching(/.+/) });
    // Regression (issue 14, item 7): mandatory in IBM's reference, sent as null / 0 while unknown.
    expect(entry.machines[0]).toMatchObject({ privateIpAddress: null, launchtime: 0 });
    expect(Object.keys(entry.machines[0]!)).toEqual(expect.arrayContaining(['privateIpAddress', 'launchtime']));
    expect(entry.machines[1]).toMatchObject({ status: 'pending', launchtime: 1772438401, instanceTags: 'a=b', message: expect.stringMatching(/lost track/) });
    expect(schemaErrors('getRequestStatus.output', { requests: [entry] })).toEqual([]);
  });

  it('schema rejects a fail without message', () => {
    const machine = { machineId: 'i-1', name: 'h', result: 'fail', status: 'terminated', privateIpAddress: null, launchtime: 0, instanceTags: '', cloudHostId: null, message: '' };
    const document = (m: object) => ({ requests: [{ requestId: 'r', status: 'running', message: '', machines: [m] }] });
    expect(schemaErrors('getRequestStatus.output', document({ ...machine, message: 'Launch failed.' }))).toEqual([]);
    expect(schemaErrors('getRequestStatus.output', document(machine))).not.toEqual([]);
  });

  it('schema requires privateIpAddress and launchtime on every machine', () => {
    const machine = { machineId: 'i-1', name: 'h', result: 'executing', status: 'pending', privateIpAddress: null, launchtime: 0, instanceTags: '', cloudHostId: null, message: '' };
    const document = (m: object) => ({ requests: [{ requestId: 'r', status: 'running', message: '', machines: [m] }] });
    expect(schemaErrors('getRequestStatus.output', document(machine))).toEqual([]);
    const { privateIpAddress: _ip, ...noIp } = machine;
    const { launchtime: _launch, ...noLaunch } = machine;
    expect(schemaErrors('getRequestStatus.output', document(noIp))).not.toEqual([]);
    expect(schemaErrors('getRequestStatus.output', document(noLaunch))).not.toEqual([]);
  });

  it('error documents keep library messages and hide others', () => {
    expect(formatErrorOutput(new KernelError('PROVIDER_ERROR', 'The provider failed: quota. Fix it.'))).toEqual({ message: 'The provider failed: quota. Fix it.' });
    expect(formatErrorOutput(new TypeError('x is undefined at /home/secret'), 'requestMachines').message).not.toContain('secret');
  });
});
