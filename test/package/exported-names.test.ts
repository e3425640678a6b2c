import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { DOMAIN_EVENT_TYPES } from '../../src/domain/shared/domain-event';
import { ensureBuilt, ROOT } from './helpers';

/*
 * The public surface, pinned: every name each entry point exports (types included), read from the
 * built declarations. A change to the surface must change `public-names.json` in the same commit, so
 * it shows up in review. Regenerate with `UPDATE_PUBLIC_NAMES=1 npx vitest run test/package/exported-names.test.ts`.
 */
const PINNED = join(ROOT, 'test', 'package', 'public-names.json');
// 150 for 0.2.0's surface; 155 since 0.3 added what a host now implements or writes at the root: the
// provider's cancelProvision types, a request's userData type, and the kernel's Inject and scoped
// services (text rules and other adapter helpers went to ./storage instead).
const ROOT_LIMIT = 155;

interface Condition {
  readonly types: string;
  readonly default: string;
}
type ExportMap = Record<string, string | { readonly import: Condition; readonly require: Condition }>;

const entries = (): [string, { readonly import: Condition; readonly require: Condition }][] => {
  const exportsMap = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: ExportMap }).exports;
  return Object.entries(exportsMap).filter((entry): entry is [string, { import: Condition; require: Condition }] => typeof entry[1] !== 'string');
};

let program: ts.Program | undefined;

/** Every exported name of a declaration file, as the TypeScript checker sees them (one program for all). */
function declaredNames(file: string): { all: string[]; values: string[] } {
  program ??= ts.createProgram(
    entries().flatMap(([, c]) => [join(ROOT, c.import.types), join(ROOT, c.require.types)]),
    { noEmit: true, skipLibCheck: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext },
  );
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const module = source === undefined ? undefined : checker.getSymbolAtLocation(source);
  if (module === undefined) throw new Error(`${file} is not a module`);
  const symbols = checker.getExportsOfModule(module);
  const isValue = (symbol: ts.Symbol) => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return (target.flags & ts.SymbolFlags.Value) !== 0;
  };
  return { all: symbols.map((s) => s.name).sort(), values: symbols.filter(isValue).map((s) => s.name).sort() };
}

describe('the public surface', () => {
  const actual: Record<string, string[]> = {};

  beforeAll(async () => {
    await ensureBuilt();
    for (const [subpath, conditions] of entries()) actual[subpath] = declaredNames(join(ROOT, conditions.import.types)).all;
    if (process.env.UPDATE_PUBLIC_NAMES === '1') writeFileSync(PINNED, `${JSON.stringify(actual, null, 2)}\n`);
  }, 180_000);

  it('exports exactly the pinned names from every entry point', () => {
    const pinned = JSON.parse(readFileSync(PINNED, 'utf8')) as Record<string, string[]>;
    expect(actual, 'the exported names changed: review the change, then regenerate test/package/public-names.json').toEqual(pinned);
  });

  // The concrete domain event types are counted apart: a host's event handlers and adapters name them
  // (`RequestCompleted`, ...), and they are types only, nothing at run time.
  it(`keeps the root entry under ${ROOT_LIMIT} names besides the domain event types`, () => {
    const events = new Set<string>(DOMAIN_EVENT_TYPES);
    expect(actual['.']?.filter((name) => !events.has(name)).length).toBeLessThan(ROOT_LIMIT);
  });

  it('declares the same names for ESM and CommonJS, and both formats export every declared value at run time', async () => {
    const require = createRequire(join(ROOT, 'package.json'));
    for (const [subpath, conditions] of entries()) {
      const esmDeclared = declaredNames(join(ROOT, conditions.import.types));
      expect(declaredNames(join(ROOT, conditions.require.types)).all, subpath).toEqual(esmDeclared.all);
      const esm = Object.keys((await import(pathToFileURL(join(ROOT, conditions.import.default)).href)) as object).sort();
      expect(esm, `${subpath} (ESM)`).toEqual(esmDeclared.values);
      // ESM only: its require condition throws, naming the runner-neutral entry (test/package/vitest-entry.test.ts).
      if (subpath === './testing/vitest') {
        expect(() => require(join(ROOT, conditions.require.default)), subpath).toThrow(/runs only inside vitest.*hostfactory-kernel\/testing/);
        continue;
      }
      const cjs = Object.keys(require(join(ROOT, conditions.require.default)) as object).filter((k) => k !== '__esModule').sort();
      expect(cjs, `${subpath} (CJS)`).toEqual(esmDeclared.values);
    }
  });

  it('keeps internals out of every entry point', () => {
    const internals = ['toPlain', 'fromPlain', 'IsoDate', 'HOST_FACTORY_HANDLERS', 'PagedQuery', 'STORAGE', 'PROVIDER', 'CLOCK', 'ID_GENERATOR', 'LIMITS', 'REQUEST_TRANSITIONS', 'assessMachines', 'MACHINE_FACT_FIELDS', 'VALIDATOR_OPTIONS', 'formatRequestStatusEntry', 'wireRequestStatus', 'ClassDecorator', 'explicitOnly'];
    for (const [subpath, names] of Object.entries(actual)) {
      expect(names.filter((name) => internals.includes(name)), subpath).toEqual([]);
    }
    for (const adapterHelper of ['checkSave', 'checkExpectedVersion', 'checkFinderLimit', 'checkReadModelQuery', 'KeyLocks']) {
      expect(actual['.'], adapterHelper).not.toContain(adapterHelper);
      expect(actual['./storage'], adapterHelper).toContain(adapterHelper);
    }
  });
});
