import Ajv2020 from 'ajv/dist/2020';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { HOSTFACTORY_SCHEMAS } from 'hostfactory-kernel/hostfactory';
import type { DomainEvent } from 'hostfactory-kernel';
import type { StoredEvent } from 'hostfactory-kernel/storage';
import { createSqliteStorage } from '../sqlite-storage/sqlite-storage';
import type { ScriptResult, SymphonyDriver } from './driver';

const here = dirname(fileURLToPath(import.meta.url));
/** The provider scripts Symphony runs. */
export const scripts = join(here, 'scripts');
/** The example's templates file. */
export const sampleTemplates = join(here, 'sample', 'simprov_templates.json');

/**
 * Bundles the provider the scripts run (the bundle and its start-up file). Test files run in parallel: each builds into a directory
 * of its own and renames the bundle into place (atomic), so no script ever loads a half-written file.
 */
export function buildProvider(): void {
  const root = join(here, '..', '..');
  const staging = join(here, `.build-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    execFileSync('npx', ['tsup', '--config', 'examples/tsup.config.ts', '--out-dir', staging], { cwd: root, stdio: 'ignore' });
    mkdirSync(join(here, '.build'), { recursive: true });
    // The bundle first, then the start-up file that loads it.
    for (const file of ['provider-main.cjs', 'provider.cjs']) renameSync(join(staging, file), join(here, '.build', file));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
const validators = Object.fromEntries(Object.entries(HOSTFACTORY_SCHEMAS).map(([name, schema]) => [name, ajv.compile(schema as object)]));

/** Asserts `result` is a valid output document of `operation` (or an error document), in Symphony's or LSF's dialect. */
export function expectValid(operation: string, result: ScriptResult, dialect: 'symphony' | 'lsf' = 'symphony'): void {
  const lsf = dialect === 'lsf' && Object.hasOwn(HOSTFACTORY_SCHEMAS, `lsf.${operation}.output`);
  const name = result.exitCode === 0 ? `${lsf ? 'lsf.' : ''}${operation}.output` : 'error.output';
  const validate = validators[name] ?? validators[`${operation}Output`];
  expect(validate, `a schema named ${name}`).toBeDefined();
  const ok = validate!(result.document);
  expect(ok, `${operation} output: ${JSON.stringify(validate!.errors)}\n${result.stdout}`).toBe(true);
}

/** Polls getRequestStatus until the request is no longer `running`. */
export async function pollUntilDone(driver: SymphonyDriver, requestId: string, env: Record<string, string> = {}, dialect: 'symphony' | 'lsf' = 'symphony'): Promise<ScriptResult> {
  for (let i = 0; i < 80; i++) {
    const result = await driver.run('getRequestStatus', { requests: [{ requestId }] }, { env });
    expectValid('getRequestStatus', result, dialect);
    const entry = (result.document.requests as { status: string }[])[0]!;
    if (entry.status !== 'running') return result;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${requestId} never finished`);
}

/** Every stored aggregate's version equals the last version its events reached, positions are gapless. */
export async function expectConsistent(database: string): Promise<StoredEvent[]> {
  const storage = createSqliteStorage({ filename: database });
  try {
    const events = await storage.eventLog.readAfter(0, 100_000);
    events.forEach((e, i) => expect(e.position).toBe(i + 1));
    const last = new Map<string, DomainEvent>();
    for (const { event } of events) last.set(`${event.aggregateType}:${event.aggregateId}`, event);
    await storage.unitOfWork.transaction(async (tx) => {
      for (const event of last.values()) {
        const stored =
          event.aggregateType === 'Request'
            ? await tx.requests.get(event.aggregateId)
            : event.aggregateType === 'Machine'
              ? await tx.machines.get(event.aggregateId)
              : await tx.templates.get(event.aggregateId);
        if (event.type === 'TemplateDeleted') expect(stored).toBeUndefined();
        else expect(stored?.version, `${event.aggregateType} ${event.aggregateId}`).toBe(event.aggregateVersion);
      }
    });
    return events;
  } finally {
    storage.close();
  }
}

/** Every file under `root` (relative paths) except the driver's input files. */
export function filesUnder(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(root, path));
    }
  };
  walk(root);
  return out.filter((path) => !path.startsWith('inputs')).sort();
}

