import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cjsConsumer, esmConsumer, expectedReport } from './consumer';
import { ensureBuilt, ROOT, runNodeJson } from './helpers';

// Scripts live inside the repository so that `hostfactory-kernel` resolves to this package by
// self-reference (through its `exports` map) and the peers resolve to our node_modules.
const WORK = join(ROOT, '.tmp', `dist-test-${process.pid}`);

function script(name: string, source: string): string {
  const file = join(WORK, name);
  writeFileSync(file, source);
  return file;
}

beforeAll(async () => {
  await ensureBuilt();
  mkdirSync(WORK, { recursive: true });
}, 120_000);

afterAll(() => rmSync(WORK, { recursive: true, force: true }));

describe('the built package', () => {
  it('runs a validated command through a decorated handler with an injected dependency when imported as ESM', async () => {
    const report = await runNodeJson(script('consumer.mjs', esmConsumer('hostfactory-kernel')), WORK);
    expect(report).toEqual(expectedReport());
  });

  it('runs the same program when required as CommonJS', async () => {
    const report = await runNodeJson(script('consumer.cjs', cjsConsumer('hostfactory-kernel')), WORK);
    expect(report).toEqual(expectedReport());
  });

  it('serves the kernel from the ./kernel subpath in both formats', async () => {
    const esm = await runNodeJson(script('subpath.mjs', esmConsumer('hostfactory-kernel/kernel')), WORK);
    const cjs = await runNodeJson(script('subpath.cjs', cjsConsumer('hostfactory-kernel/kernel')), WORK);
    expect(esm).toEqual(expectedReport());
    expect(cjs).toEqual(expectedReport());
  });

  it('shares the record of decorated handlers and the error brand between the ESM and CJS copies loaded in one process', async () => {
    const source = `
import 'reflect-metadata';
import { createRequire } from 'node:module';
import { IsString } from 'class-validator';
import * as esm from 'hostfactory-kernel';

const cjs = createRequire(import.meta.url)('hostfactory-kernel');

class Ping extends esm.Command {
  constructor(text) { super(); this.text = text; }
}
IsString()(Ping.prototype, 'text');
class PingHandler {
  handle(command) { return 'pong:' + command.text; }
}
// Decorated through the ESM copy, dispatched by a kernel from the CJS copy.
esm.commandHandler(Ping)(PingHandler);
class OtherPingHandler {
  handle() { return 'other'; }
}

const capture = async (fn) => { try { await fn(); } catch (error) { return error; } return undefined; };
const kernel = cjs.createKernel({ handlers: [PingHandler] });
const result = await kernel.commands.execute(new Ping('x'));
const invalid = await capture(() => kernel.commands.execute(new Ping(42)));
// Decorating a second handler through the other copy is recorded, not judged...
const atDecoration = await capture(() => cjs.commandHandler(Ping)(OtherPingHandler));
// ...and a kernel from either copy that takes every decorated handler refuses both.
const duplicate = await capture(() => esm.createKernel());
const missing = await capture(() => cjs.createKernel({ handlers: [] }).commands.execute(new Ping('x')));
console.log(JSON.stringify({
  copiesDiffer: esm.createKernel !== cjs.createKernel,
  result,
  invalidCode: invalid?.code,
  // Ping extends the ESM Command, so its validate() throws the ESM ValidationError.
  cjsRecognisesEsmError: cjs.isKernelError(invalid, 'VALIDATION_FAILED'),
  atDecoration: atDecoration === undefined,
  duplicateCode: duplicate?.code,
  duplicateNamesBoth: /PingHandler/.test(duplicate?.message) && /OtherPingHandler/.test(duplicate?.message),
  // The CJS kernel throws the CJS HandlerNotFoundError.
  esmRecognisesCjsError: esm.isKernelError(missing, 'HANDLER_NOT_FOUND'),
  esmInstanceOfCjsError: missing instanceof esm.KernelError,
}));
`;
    const report = await runNodeJson(script('dual.mjs', source), WORK);
    expect(report).toEqual({
      copiesDiffer: true,
      result: 'pong:x',
      invalidCode: 'VALIDATION_FAILED',
      cjsRecognisesEsmError: true,
      atDecoration: true,
      duplicateCode: 'DUPLICATE_HANDLER',
      duplicateNamesBoth: true,
      esmRecognisesCjsError: true,
      // instanceof cannot work across copies; that is why isKernelError exists.
      esmInstanceOfCjsError: false,
    });
  });

  it.each([
    ['ESM', 'injection.mjs', `import 'reflect-metadata'; import { Container, Service, Token } from 'typedi'; import * as lib from 'hostfactory-kernel';`],
    ['CJS', 'injection.cjs', `require('reflect-metadata'); const { Container, Service, Token } = require('typedi'); const lib = require('hostfactory-kernel');`],
  ])('builds handlers from design:paramtypes and @Inject, and verify() explains dropped metadata, as %s', async (_format, file, imports) => {
    // What tsc emits with emitDecoratorMetadata is written out by hand (Reflect.defineMetadata); the
    // class without it is what esbuild or tsx emit for the same source.
    const body = `
class Ledger { constructor() { this.lines = []; } }
Service()(Ledger);
const GREETING = new Token('greeting');
class Note extends lib.Command {}
class Salute extends lib.Command {}
class Tally extends lib.Command {}
class NoteHandler {
  constructor(ledger) { this.ledger = ledger; }
  handle() { return this.ledger.lines.push('note'); }
}
Reflect.defineMetadata('design:paramtypes', [Ledger], NoteHandler);
lib.commandHandler(Note)(NoteHandler);
class SaluteHandler {
  constructor(greeting, ledger) { this.greeting = greeting; this.ledger = ledger; }
  handle() { return this.greeting + ' #' + this.ledger.lines.length; }
}
Reflect.defineMetadata('design:paramtypes', [String, Ledger], SaluteHandler);
lib.Inject(GREETING)(SaluteHandler, undefined, 0);
lib.commandHandler(Salute)(SaluteHandler);
class TallyHandler {
  constructor(ledger) { this.ledger = ledger; }
  handle() {}
}
lib.commandHandler(Tally)(TallyHandler);
const problems = () => { try { kernel.verify(); return []; } catch (e) { return e.problems; } };
const kernel = lib.createKernel({ handlers: [NoteHandler, SaluteHandler, TallyHandler] });
const before = problems();
kernel.container.set(GREETING, 'hello');
const after = problems();
(async () => {
  await kernel.commands.execute(new Note());
  const saluted = await kernel.commands.execute(new Salute());
  const tally = await kernel.commands.execute(new Tally()).catch((e) => e);
  console.log(JSON.stringify({
    before: before.map((p) => p.handler + '#' + p.parameter + ' ' + p.token),
    after: after.map((p) => p.handler + '#' + p.parameter),
    droppedExplained: /no design:paramtypes metadata: the build tool dropped it/.test(after[0] && after[0].message),
    saluted,
    tallyCode: tally.code,
    globalContainerHasHandler: Container.has(NoteHandler) || Container.has(SaluteHandler),
  }));
  kernel.dispose();
})();`;
    const report = await runNodeJson(script(file, `${imports}\n${body}`), WORK);
    expect(report).toEqual({
      before: ['SaluteHandler#0 Token(greeting)', 'TallyHandler#0 (no token)'],
      after: ['TallyHandler#0'],
      droppedExplained: true,
      saluted: 'hello #1',
      tallyCode: 'UNRESOLVED_DEPENDENCY',
      globalContainerHasHandler: false,
    });
  });

  it.each([
    ['ESM', 'lifecycle.mjs', (m: string) => `import * as lib from '${m}'; import * as kit from '${m}/testing'; import * as hf from '${m}/hostfactory';`],
    ['CJS', 'lifecycle.cjs', (m: string) => `const lib = require('${m}'); const kit = require('${m}/testing'); const hf = require('${m}/hostfactory');`],
  ])('runs a host-factory lifecycle from ./testing and ./hostfactory as %s', async (_format, file, imports) => {
    const body = `
(async () => {
  const factory = kit.createTestHostFactory();
  const api = hf.createHostFactoryApi(factory);
  await factory.commands.execute(lib.CreateTemplate.from({ template: { templateId: 'small', maxNumber: 4,
    attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] }, vmType: 't3.small' } }));
  const requested = await api.requestMachines({ template: { templateId: 'small', machineCount: 2 } });
  const status = await api.getRequestStatus({ requests: [{ requestId: requested.document.requestId }] });
  const tooMany = await api.requestMachines({ template: { templateId: 'small', machineCount: 9 } });
  console.log(JSON.stringify({
    requestId: /^req-/.test(requested.document.requestId),
    status: status.document.requests[0].status,
    results: status.document.requests[0].machines.map((m) => m.result),
    refusedExit: tooMany.exitCode,
    refusedHasMessage: typeof tooMany.document.message === 'string' && tooMany.document.requestId === undefined,
  }));
  factory.dispose();
})();`;
    const report = await runNodeJson(script(file, `${imports('hostfactory-kernel')}\n${body}`), WORK);
    expect(report).toEqual({ requestId: true, status: 'complete', results: ['succeed', 'succeed'], refusedExit: 1, refusedHasMessage: true });
  });

  it('loads @opentelemetry/api only through the ./otel subpath', async () => {
    // CommonJS loads every chunk through require(), so require.cache lists all the files a subpath pulls in.
    const probe = `const loaded = () => Object.keys(require.cache).some((f) => f.includes('@opentelemetry'));
for (const entry of ['', '/kernel', '/hostfactory', '/storage', '/testing']) require('hostfactory-kernel' + entry);
const before = loaded();
const otel = require('hostfactory-kernel/otel');
console.log(JSON.stringify({ before, after: loaded(), openTelemetry: typeof otel.openTelemetry }));`;
    const report = await runNodeJson(script('otel-probe.cjs', probe), WORK);
    expect(report).toEqual({ before: false, after: true, openTelemetry: 'function' });
  });
});
