import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { createHostFactory, type HostFactory } from '../../src/application/host-factory';
import { HOSTFACTORY_SCHEMAS, runHostFactoryOperation, type HostFactorySchemaName, type HostFactoryOperation } from '../../src/hostfactory';
import { FakeProvider } from '../../src/testing/fake-provider';
import { createInMemoryStorage, type InMemoryStorage } from '../../src/testing/in-memory-storage';
import { ManualClock, sequentialIds } from '../../src/testing/manual-clock';

const FIXTURES = join(__dirname, '..', 'fixtures', 'hostfactory');

/** A fixture document of test/fixtures/hostfactory, parsed. */
export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
}

/** One ajv instance for the whole run; each schema is compiled once. */
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
addFormats(ajv);
for (const schema of Object.values(HOSTFACTORY_SCHEMAS)) ajv.addSchema(schema);
const compiled = new Map(Object.entries(HOSTFACTORY_SCHEMAS).map(([name, schema]) => [name, ajv.getSchema(schema.$id)!]));

/** The validation errors of `document` against the named schema (empty when it conforms). */
export function schemaErrors(name: HostFactorySchemaName, document: unknown): string[] {
  const validate = compiled.get(name);
  if (validate === undefined) throw new Error(`schema ${name} is not compiled`);
  return validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

/**
 * A Symphony "site": shared in-memory storage and fake cloud, and a fresh host factory per script
 * run (as each Symphony call is a new process), all on one manual clock with sequential ids.
 */
export interface Site {
  readonly storage: InMemoryStorage;
  readonly fake: FakeProvider;
  readonly clock: ManualClock;
  /** A host factory on the site's ports (the caller disposes it). */
  hostFactory(): HostFactory;
  /** Runs one provider script with `input` written to a temporary `-f` file; returns what it printed. */
  run(operation: HostFactoryOperation | string, input: unknown): Promise<{ exitCode: number; document: Record<string, unknown>; stdout: string; stderr: string }>;
  /** Runs a script with raw arguments (no file written). */
  runArgs(operation: HostFactoryOperation | string, argv: string[]): Promise<{ exitCode: number; document: Record<string, unknown>; stdout: string; stderr: string }>;
  /** A temporary directory removed by {@link Site.close}. */
  readonly dir: string;
  close(): void;
}

/** A fresh site; its ids are sequential, so documents are reproducible. */
export function createSite(): Site {
  const storage = createInMemoryStorage();
  const clock = new ManualClock('2026-03-02T08:00:00.000Z');
  const fake = new FakeProvider({ clock });
  const ids = sequentialIds();
  const dir = mkdtempSync(join(tmpdir(), 'hf-test-'));
  let files = 0;
  const hostFactory = () => createHostFactory({ storage, provider: fake, clock, ids });
  const runArgs = async (operation: string, argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const exitCode = await runHostFactoryOperation(operation, argv, {
      createHostFactory: ({ logger }) => createHostFactory({ storage, provider: fake, clock, ids, logger }),
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      env: {},
      environment: 'none',
    });
    return { exitCode, document: JSON.parse(stdout) as Record<string, unknown>, stdout, stderr };
  };
  return {
    storage,
    fake,
    clock,
    dir,
    hostFactory,
    runArgs,
    async run(operation, input) {
      const file = join(dir, `input-${++files}.json`);
      writeFileSync(file, typeof input === 'string' ? input : JSON.stringify(input));
      return runArgs(operation, ['-f', file]);
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A site with the fixture templates imported through a templates file. */
export async function createSiteWithTemplates(): Promise<Site> {
  const site = createSite();
  const { parseTemplatesFile } = await import('../../src/hostfactory');
  const hf = site.hostFactory();
  await hf.commands.execute(parseTemplatesFile(fixture('templates.json')));
  hf.dispose();
  return site;
}

/**
 * Compares `document` with the golden fixture `name` (exact, key order included). With
 * `UPDATE_GOLDEN=1` the fixture is rewritten instead; review the diff before committing it.
 */
export function golden(name: string, document: unknown): void {
  const path = join(FIXTURES, name);
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(path, text);
    return;
  }
  const expected = readFileSync(path, 'utf8');
  if (text !== expected) throw new Error(`${name} differs from its golden fixture:\nexpected ${expected}\nactual   ${text}`);
}
