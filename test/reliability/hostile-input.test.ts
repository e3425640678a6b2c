import { getMetadataStorage } from 'class-validator';
import fc from 'fast-check';
import { jsonTextOf } from '../support/json-text';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as library from './library';
import * as symphony from '../../src/hostfactory';
import { Command, isKernelError, Query, ValidationError } from '../../src/kernel';
import { bump, prototypeFingerprint, recordFigures, scale, TIME_BOUND_FACTOR } from './support';
import { templateInput } from '../support/templates';

/**
 * Every input a target may be given must end in one of two ways: a value (a message, or a parsed
 * document) or a VALIDATION_FAILED error listing its issues with paths. Anything else (a TypeError,
 * a RangeError from a stack overflow, a hang) fails the run.
 */
interface Target {
  readonly name: string;
  readonly run: (input: unknown) => unknown;
  /** Keys this target reads, used to aim hostile values at real fields. */
  readonly keys: readonly string[];
  /** A valid input the target accepts (an object mutated key by key, or a scalar mutated around its text). */
  readonly sample: unknown;
}

type MessageClass = { name: string; from(plain: unknown): unknown; prototype: object };

const RUNS = scale(100, 3_000);
const MAX_MS_PER_INPUT = 2_000 * TIME_BOUND_FACTOR;

const isMessageClass = (value: unknown): value is MessageClass =>
  typeof value === 'function' &&
  value !== Command &&
  value !== Query &&
  (value.prototype instanceof Command || value.prototype instanceof Query);

/** Every Command and Query class the package exports, found from its public names. */
const MESSAGE_CLASSES: MessageClass[] = Object.values(library as Record<string, unknown>).filter(isMessageClass);

function declaredKeys(target: MessageClass): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(target as never, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))];
}

const TEMPLATE = templateInput();

/** Valid inputs by class name; a class without one starts from `{}` (its hostile runs still count). */
const SAMPLES: Record<string, Record<string, unknown>> = {
  CreateTemplate: { template: TEMPLATE },
  UpdateTemplate: { templateId: 'small', changes: { maxNumber: 5 }, expectedVersion: 1 },
  DeleteTemplate: { templateId: 'small' },
  ValidateTemplate: { template: TEMPLATE },
  ImportTemplates: { document: { templates: [TEMPLATE] }, deactivateMissing: false },
  ListTemplates: { activeOnly: true },
  GetTemplate: { templateId: 'small' },
  ValidateTemplateQuery: { template: TEMPLATE },
  RequestMachines: { templateId: 'small', machineCount: 2, tags: { team: 'a' }, priority: 1, timeoutSeconds: 60, idempotencyKey: 'k-1' },
  RequestReturnMachines: { machines: [{ machineId: 'i-1', name: 'host-1' }] },
  SyncRequest: { requestId: 'req-1' },
  Reconcile: { limit: 10, budgetMs: 1000, ackWindowMs: 60_000 },
  SyncReclaimNotices: {},
  CancelRequest: { requestId: 'req-1', reason: 'no longer needed' },
  UpdateRequestStatus: { requestId: 'req-1', status: 'failed', reason: 'operator' },
  GetRequest: { requestId: 'req-1' },
  GetRequestStatus: { requestId: 'req-1' },
  ListRequests: { limit: 10, offset: 0 },
  ListReturnRequests: { limit: 10 },
  GetReturnRequests: { machines: [{ name: 'host-1' }] },
  GetMachine: { machineId: 'i-1' },
  ListMachines: { limit: 10 },
  PagedQuery: { limit: 10 },
};

const SYMPHONY_SAMPLES: Record<string, Record<string, unknown>> = {
  parseGetAvailableTemplatesInput: {},
  parseRequestMachinesInput: { template: { templateId: 'small', machineCount: 2 } },
  parseGetRequestStatusInput: { requests: [{ requestId: 'req-1' }] },
  parseRequestReturnMachinesInput: { machines: [{ name: 'host-1', machineId: 'i-1' }] },
  parseGetReturnRequestsInput: { machines: [{ name: 'host-1' }] },
  parseTemplatesFile: { templates: [TEMPLATE] },
};

const WIRE_KEYS = ['template', 'templateId', 'machineCount', 'requests', 'requestId', 'machines', 'name', 'machineId', 'templates', 'document'];
const TEMPLATE_KEYS = Object.keys(TEMPLATE);

/** A valid input of each root-exported domain parser: each must accept it (proves the accepting path is reached). */
const DOMAIN_SAMPLES: Record<string, { sample: unknown; keys: readonly string[] }> = {
  parseRequestId: { sample: 'req-3f2b8c1e-6d4a-4b9e-8f7a-1c2d3e4f5a6b', keys: [] },
  parseTemplateId: { sample: 'Grid-OnDemand_1', keys: [] },
  parseMachineId: { sample: 'i-0123456789abcdef0', keys: [] },
  parseTags: { sample: { team: 'grid', env: 'prod' }, keys: ['team', 'env'] },
  parseIpAddress: { sample: '10.0.12.34', keys: [] },
  parseTemplateAttributes: { sample: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] }, keys: ['type', 'ncpus', 'nram', 'ncores'] },
  parseTemplateDefinition: { sample: TEMPLATE, keys: TEMPLATE_KEYS },
};

/** Root-exported domain parsers take one untrusted value (plus an optional field name). */
const DOMAIN_PARSERS = Object.entries(library as Record<string, unknown>).filter(
  (entry): entry is [string, (input: unknown) => unknown] => /^parse[A-Z]/.test(entry[0]) && typeof entry[1] === 'function',
);

/** Parsers of `src/hostfactory` tested on their own: parseFileArgument takes argv, parseJsonText text (json-text.test.ts). */
const NOT_DOCUMENT_PARSERS = new Set(['parseFileArgument', 'parseJsonText']);

/** Symphony input parsers of `src/hostfactory`. */
const SYMPHONY_PARSERS = Object.entries(symphony as Record<string, unknown>).filter(
  (entry): entry is [string, (input: unknown) => unknown] => /^parse[A-Z]/.test(entry[0]) && !NOT_DOCUMENT_PARSERS.has(entry[0]) && typeof entry[1] === 'function',
);

const TARGETS: Target[] = [
  ...MESSAGE_CLASSES.map((cls) => ({
    name: `${cls.name}.from`,
    run: (input: unknown) => cls.from(input),
    keys: declaredKeys(cls),
    sample: SAMPLES[cls.name] ?? {},
  })),
  ...SYMPHONY_PARSERS.map(([name, parse]) => ({ name, run: parse, keys: WIRE_KEYS, sample: SYMPHONY_SAMPLES[name] ?? {} })),
  ...DOMAIN_PARSERS.map(([name, parse]) => ({ name, run: parse, keys: DOMAIN_SAMPLES[name]?.keys ?? [], sample: DOMAIN_SAMPLES[name]?.sample })),
  { name: 'readTemplatesDocument', run: (input) => library.readTemplatesDocument(input, 'document'), keys: ['templates'], sample: { templates: [TEMPLATE] } },
];

// ---------------------------------------------------------------------------------------------
// Hostile JSON, generated as text and parsed, so `__proto__` and friends become own properties.

const DEPTH = 10_000;
const MEGABYTE_STRING = `"${'x'.repeat(1024 * 1024)}"`;
const DEEP_ARRAYS = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;
const DEEP_OBJECTS = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;

const nastyScalarText = fc.constantFrom(
  '1e309', '-1e309', '-0', '9007199254740993', '-9007199254740993', '1e-400', '0', '1', '-1', '1.5', '3', '10001', '86401',
  'true', 'false', 'null', '""', '" "', '"3"', '"1e309"', '"-0"', '"NaN"', '"Infinity"', '"0x10"', '"\\u0000"',
  '"\\ud800"', '"\\udfff"', '"\\udfff\\ud800"', '"🖥️"', '"e\\u0301"', '"\\u202e"', '"__proto__"', '"constructor"', '"../../etc/passwd"',
  '"req-1"', '"small"', '"running"', '"failed"', '"2024-01-01T00:00:00Z"', '["String","x"]', '["Numeric","2"]',
);

// The 1 MB and 10,000-deep values are not generated: every field gets each of them as a fixed input.
const scalarText = fc.oneof(
  { weight: 60, arbitrary: nastyScalarText },
  { weight: 20, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((s) => JSON.stringify(s)) },
  { weight: 10, arbitrary: fc.string({ unit: 'grapheme', maxLength: 300 }).map((s) => JSON.stringify(s)) },
  { weight: 10, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)) },
  { weight: 10, arbitrary: fc.integer().map(String) },
);

function keyText(keys: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...keys, ...WIRE_KEYS) },
    { weight: 3, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'isAdmin', '') },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  );
}

function jsonText(keys: readonly string[]): fc.Arbitrary<string> {
  return jsonTextOf(scalarText, keyText(keys), { items: 5, entries: 6 });
}

/** Paths of the objects inside `sample` (the top, nested objects, first array items). */
function objectPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [];
  const here = [path];
  if (Array.isArray(value)) return value.length > 0 ? [...here, ...objectPaths(value[0], [...path, 0])] : here;
  return [...here, ...Object.entries(value).flatMap(([k, v]) => objectPaths(v, [...path, k]))];
}

/** Defines `key` as an own, enumerable property (so `__proto__` is data, not the prototype); skips keys that cannot be redefined (an array's `length`). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  const current = Object.getOwnPropertyDescriptor(target, key);
  if (current !== undefined && current.configurable === false) return;
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

type Edit = { readonly kind: 'set' | 'delete'; readonly at: number; readonly key: string; readonly value: string };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** A scalar sample with hostile text around it or in place of a part of it. */
function mutatedScalar(sample: unknown): fc.Arbitrary<unknown> {
  const text = String(sample);
  const noise = fc.oneof(fc.string({ unit: 'binary', maxLength: 8 }), fc.constantFrom('\u0000', '\u202e', ' ', '-', '..', 'é', '\ud800', '/', '%00'));
  return fc.tuple(noise, fc.nat({ max: text.length }), fc.nat({ max: text.length }), noise).map(([before, from, to, after]) => {
    const [start, end] = from <= to ? [from, to] : [to, from];
    return `${before}${text.slice(0, start)}${after}${text.slice(end)}`;
  });
}

/** A valid sample with hostile edits: known keys set to hostile values, deleted, or extra keys added. */
function mutatedSample(target: Target): fc.Arbitrary<unknown> {
  if (!isObject(target.sample)) return mutatedScalar(target.sample);
  const paths = objectPaths(target.sample);
  const edit: fc.Arbitrary<Edit> = fc.record({
    kind: fc.constantFrom('set' as const, 'set' as const, 'delete' as const),
    at: fc.nat({ max: Math.max(0, paths.length - 1) }),
    key: keyText([...target.keys, ...Object.keys(target.sample)]),
    value: jsonText(target.keys),
  });
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
    const input = structuredClone(target.sample) as Record<string, unknown>;
    for (const { kind, at, key, value } of edits) {
      let node: unknown = input;
      for (const step of paths[at] ?? []) {
        if (typeof node !== 'object' || node === null) break;
        node = (node as Record<string | number, unknown>)[step];
      }
      if (typeof node !== 'object' || node === null) continue;
      // An array's `length` can be neither deleted nor given a non-number: not an edit JSON can make.
      if (Array.isArray(node) && key === 'length') continue;
      if (kind === 'delete') delete (node as Record<string, unknown>)[key];
      else setOwn(node as Record<string, unknown>, key, JSON.parse(value) as unknown);
    }
    return input;
  });
}

/** Values no JSON parser makes, handed straight to `from()`: cycles, BigInt, symbols, Maps, null prototypes, functions. */
const jsValue = fc
  .tuple(
    fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
      withUnicodeString: true,
      maxDepth: 4,
    }),
    fc.boolean(),
  )
  .map(([value, cyclic]) => {
    if (cyclic && typeof value === 'object' && value !== null && Object.isExtensible(value)) {
      setOwn(value as Record<string, unknown>, 'self', value);
    }
    return value;
  });

/** Hand-made inputs every target gets once (the generator reaches them only rarely). */
function fixedInputs(target: Target): [string, unknown][] {
  // Object-shaped hostile inputs start from the sample when it is an object, from {} for a scalar target.
  const base: Record<string, unknown> = isObject(target.sample) ? target.sample : {};
  const cycle: Record<string, unknown> = { ...base };
  cycle.loop = cycle;
  const deepCycle: Record<string, unknown> = structuredClone(base);
  for (const path of objectPaths(deepCycle).slice(1)) {
    let node: unknown = deepCycle;
    for (const step of path) node = (node as Record<string | number, unknown>)[step];
    if (typeof node === 'object' && node !== null && !Array.isArray(node)) (node as Record<string, unknown>).back = deepCycle;
  }
  const list: [string, unknown][] = [
    ['undefined', undefined], ['null', null], ['0', 0], ['-0', -0], ['NaN', NaN], ['Infinity', JSON.parse('1e309')],
    ['a string', 'small'], ['an empty string', ''], ['an array', []], ['a function', () => 1], ['a symbol', Symbol('s')],
    ['a BigInt', 10n], ['a Date', new Date(0)], ['a Map', new Map([['templateId', 'x']])], ['Object.create(null)', Object.create(null)],
    ['a cycle', cycle], ['a nested cycle', deepCycle],
    ['arrays 10,000 deep', JSON.parse(DEEP_ARRAYS)], ['objects 10,000 deep', JSON.parse(DEEP_OBJECTS)],
    ['__proto__ at the top', JSON.parse(`{"__proto__":{"polluted":true}${Object.keys(base).length === 0 ? '}' : `,${JSON.stringify(base).slice(1)}`}`)],
    ['constructor.prototype', JSON.parse('{"constructor":{"prototype":{"polluted":true}}}')],
  ];
  for (const key of new Set([...target.keys, ...Object.keys(base)])) {
    for (const [label, text] of [['1 MB string', MEGABYTE_STRING], ['10,000-deep arrays', DEEP_ARRAYS], ['10,000-deep objects', DEEP_OBJECTS], ['1e309', '1e309'], ['2^53+1', '9007199254740993'], ['a lone surrogate', '"\\ud800"']] as const) {
      const input = structuredClone(base);
      setOwn(input, key, JSON.parse(text) as unknown);
      list.push([`${key} = ${label}`, input]);
    }
    const withProto = structuredClone(base);
    setOwn(withProto, key, JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'));
    list.push([`${key} holding __proto__`, withProto]);
  }
  return list;
}

// ---------------------------------------------------------------------------------------------

type Outcome = 'valid' | 'rejected' | 'knownBug';

/**
 * Library bugs this suite found that lie outside what it may change (`src/domain`, `src/hostfactory`).
 * An input hitting one is counted as `knownBug` instead of failing every run; each bug also has an
 * `it.fails` regression test below, which starts failing once the bug is fixed: then delete its entry.
 */
const KNOWN_BUGS: readonly { readonly id: string; readonly targets: RegExp; readonly matches: (error: unknown) => boolean }[] = [
  // RB-2 (unbounded recursion in isJsonValue/show) and RB-3 (show on values without a string form)
  // are fixed; their regression tests below guard them.
];
const knownBugHits = new Map<string, number>();

/** Runs `target` on `input` and classifies the outcome; throws (failing the property) on anything else. */
function attempt(target: Target, input: unknown): Outcome {
  const started = performance.now();
  let outcome: Outcome;
  try {
    const value = target.run(input);
    if (value === undefined) throw new Error(`${target.name} returned undefined`);
    outcome = 'valid';
  } catch (error) {
    const known = KNOWN_BUGS.find((bug) => bug.targets.test(target.name) && bug.matches(error));
    if (known !== undefined) {
      bump(knownBugHits, `${known.id.slice(0, 4)} ${target.name}`);
      return 'knownBug';
    }
    if (!isKernelError(error, 'VALIDATION_FAILED')) {
      const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new Error(`${target.name} threw something other than VALIDATION_FAILED: ${what}`, { cause: error });
    }
    const issues = (error as ValidationError).issues;
    if (!Array.isArray(issues) || issues.length === 0) throw new Error(`${target.name}: VALIDATION_FAILED without issues`);
    for (const issue of issues) {
      if (typeof issue.path !== 'string' || typeof issue.message !== 'string' || issue.message === '') {
        throw new Error(`${target.name}: an issue without a path or message: ${JSON.stringify(issue)}`);
      }
    }
    // The error must be serialisable for an error document, whatever the input held.
    JSON.stringify((error as ValidationError).toJSON());
    outcome = 'rejected';
  }
  const took = performance.now() - started;
  if (took > MAX_MS_PER_INPUT) throw new Error(`${target.name} took ${Math.round(took)} ms on one input`);
  return outcome;
}

const counts = new Map<string, { valid: number; rejected: number; knownBug: number }>();
function tally(target: Target, outcome: Outcome): void {
  const entry = counts.get(target.name) ?? { valid: 0, rejected: 0, knownBug: 0 };
  entry[outcome] += 1;
  counts.set(target.name, entry);
}

describe('hostile input', () => {
  let before: Record<string, string[]>;
  const started = performance.now();
  beforeAll(() => {
    before = prototypeFingerprint();
  });
  afterAll(() => {
    const perTarget = Object.fromEntries([...counts].map(([name, c]) => [name, { ...c, total: c.valid + c.rejected + c.knownBug }]));
    const total = [...counts.values()].reduce((sum, c) => sum + c.valid + c.rejected + c.knownBug, 0);
    recordFigures('hostile-input', {
      targets: counts.size,
      total,
      runsPerGenerator: RUNS,
      durationMs: Math.round(performance.now() - started),
      knownBugHits: Object.fromEntries(knownBugHits),
      perTarget,
    });
  });

  it('finds every Command and Query class and every Symphony parser in the public exports', () => {
    expect(MESSAGE_CLASSES.map((c) => c.name)).toEqual(expect.arrayContaining(['CreateTemplate', 'RequestMachines', 'SyncRequest', 'ListMachines', 'GetReturnRequests']));
    expect(MESSAGE_CLASSES.length).toBeGreaterThanOrEqual(21);
    expect(SYMPHONY_PARSERS.map(([name]) => name).sort()).toEqual(Object.keys(SYMPHONY_SAMPLES).sort());
    for (const cls of MESSAGE_CLASSES) expect(SAMPLES, `a valid sample for ${cls.name}`).toHaveProperty(cls.name);
    expect(DOMAIN_PARSERS.map(([name]) => name).sort()).toEqual(Object.keys(DOMAIN_SAMPLES).sort());
  });

  describe.each(TARGETS.map((t) => [t.name, t] as const))('%s', (_name, target) => {
    // The accepting path must be reached: a target that refuses its own valid sample fails here.
    it('accepts its valid sample', () => {
      const outcome = attempt(target, structuredClone(target.sample));
      tally(target, outcome);
      expect(outcome, `${target.name} refused its valid sample`).toBe('valid');
    });

    it('answers every hand-made hostile input with a value or VALIDATION_FAILED', () => {
      for (const [label, input] of fixedInputs(target)) {
        try {
          tally(target, attempt(target, input));
        } catch (error) {
          throw new Error(`input "${label}": ${(error as Error).message}`, { cause: error });
        }
      }
    });

    it('answers generated hostile JSON documents with a value or VALIDATION_FAILED', () => {
      fc.assert(
        fc.property(jsonText(target.keys), (text) => {
          tally(target, attempt(target, JSON.parse(text) as unknown));
        }),
        { numRuns: RUNS },
      );
    });

    it('answers hostile edits of a valid input with a value or VALIDATION_FAILED', () => {
      fc.assert(fc.property(mutatedSample(target), (input) => void tally(target, attempt(target, input))), { numRuns: RUNS });
    });

    it('answers non-JSON values (cycles, BigInt, symbols, Maps, null prototypes) with a value or VALIDATION_FAILED', () => {
      fc.assert(fc.property(jsValue, (input) => void tally(target, attempt(target, input))), { numRuns: Math.ceil(RUNS / 2) });
    });
  });

  it('parseFileArgument refuses hostile argv with INVALID_INVOCATION and nothing else', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom('-f', '--file', '-f=', '--file=x', '-x', '', '--', '-f=../../etc/passwd'), fc.string({ unit: 'binary' })), { maxLength: 6 }), (argv) => {
        try {
          const file = symphony.parseFileArgument(argv);
          expect(file === undefined || typeof file === 'string').toBe(true);
          bump(argvCounts, 'valid');
        } catch (error) {
          expect(isKernelError(error, 'INVALID_INVOCATION'), String(error)).toBe(true);
          bump(argvCounts, 'rejected');
        }
      }),
      { numRuns: RUNS },
    );
    counts.set('parseFileArgument', { valid: argvCounts.get('valid') ?? 0, rejected: argvCounts.get('rejected') ?? 0, knownBug: 0 });
  });

  it('leaves Object.prototype, Array.prototype, Function.prototype and String.prototype unchanged', () => {
    expect(prototypeFingerprint()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
  });
});

const argvCounts = new Map<string, number>();

/** Answers VALIDATION_FAILED (true) or anything else (false) for one call. */
function failsCleanly(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (error) {
    return isKernelError(error, 'VALIDATION_FAILED');
  }
}

describe('regressions found by the hostile-input suite', () => {
  const deepArrays = () => JSON.parse(DEEP_ARRAYS) as unknown;

  it('RB-1: Message.from(new Date()) is VALIDATION_FAILED, not "instance.validate is not a function"', () => {
    for (const input of [new Date(0), new Map(), new Set(), new String('x'), new Uint8Array(2), /re/]) {
      const error = (() => {
        try {
          library.SyncRequest.from(input);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(isKernelError(error, 'VALIDATION_FAILED'), String(error)).toBe(true);
    }
  });

  it('RB-6: Message.from() answers a Map, Set, typed array or boxed value nested in the input with VALIDATION_FAILED, not a TypeError', () => {
    const nested = [new Map([[Object.create(null) as object, new Number(0)]]), new Set([1]), new Uint8Array(2), new Number(1), new Map([[{}, {}]])];
    for (const value of nested) {
      for (const cls of [library.SyncRequest, library.ListReturnRequests, library.CreateTemplate] as MessageClass[]) {
        expect(failsCleanly(() => cls.from({ '': value, requestId: value, template: { templateId: value } })), `${cls.name} with ${Object.prototype.toString.call(value)}`).toBe(true);
      }
    }
  });

  // Regressions of RB-2 and RB-3 (fixed).
  it('RB-2: parseTemplatesFile answers a template holding 10,000-deep arrays with VALIDATION_FAILED, not a stack overflow', () => {
    expect(failsCleanly(() => symphony.parseTemplatesFile({ templates: [{ ...TEMPLATE, userData: deepArrays() }] }))).toBe(true);
  });

  it('RB-2: parseTemplateDefinition answers a cyclic template with VALIDATION_FAILED, not a stack overflow', () => {
    const cyclic: Record<string, unknown> = { ...TEMPLATE };
    cyclic.self = cyclic;
    expect(failsCleanly(() => library.parseTemplateDefinition(cyclic))).toBe(true);
  });

  it('parseTemplateDefinition refuses a "__proto__" key (as JSON.parse makes it) at the top level and in providerConfig, naming it', () => {
    for (const [json, path] of [
      [`{"__proto__": {"injected": true}}`, '__proto__'],
      [`{"providerConfig": {"__proto__": {"injected": true}}}`, 'providerConfig.__proto__'],
    ] as const) {
      const template = { ...TEMPLATE, ...(JSON.parse(json) as Record<string, unknown>) };
      if (path === '__proto__') Object.defineProperty(template, '__proto__', { value: { injected: true }, enumerable: true });
      let error: unknown;
      try {
        library.parseTemplateDefinition(template);
      } catch (caught) {
        error = caught;
      }
      expect(isKernelError(error, 'VALIDATION_FAILED'), path).toBe(true);
      expect((error as ValidationError).issues.map((i) => [i.path, i.constraint])).toContainEqual([path, 'forbiddenKey']);
    }
  });

  it('RB-2: parseTemplateId answers 10,000-deep arrays with VALIDATION_FAILED, not a stack overflow', () => {
    expect(failsCleanly(() => library.parseTemplateId(deepArrays()))).toBe(true);
  });

  it('RB-3: parseTemplateId answers a null-prototype object holding a BigInt with VALIDATION_FAILED, not a TypeError', () => {
    expect(failsCleanly(() => library.parseTemplateId(Object.assign(Object.create(null) as object, { n: 1n })))).toBe(true);
  });
});
