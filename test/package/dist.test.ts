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

  it('shares the handler registry and the error brand between the ESM and CJS copies loaded in one process', async () => {
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
const kernel = cjs.createKernel();
const result = await kernel.commands.execute(new Ping('x'));
const invalid = await capture(() => kernel.commands.execute(new Ping(42)));
const duplicate = await capture(() => cjs.commandHandler(Ping)(OtherPingHandler));
const missing = await capture(() => cjs.createKernel({ handlers: [] }).commands.execute(new Ping('x')));
console.log(JSON.stringify({
  copiesDiffer: esm.createKernel !== cjs.createKernel,
  result,
  invalidCode: invalid?.code,
  // Ping extends the ESM Command, so its validate() throws the ESM ValidationError.
  cjsRecognisesEsmError: cjs.isHostFactoryError(invalid, 'VALIDATION_FAILED'),
  duplicateCode: duplicate?.code,
  duplicateNamesBoth: /PingHandler/.test(duplicate?.message) && /OtherPingHandler/.test(duplicate?.message),
  // The CJS kernel throws the CJS HandlerNotFoundError.
  esmRecognisesCjsError: esm.isHostFactoryError(missing, 'HANDLER_NOT_FOUND'),
  esmInstanceOfCjsError: missing instanceof esm.HostFactoryError,
}));
`;
    const report = await runNodeJson(script('dual.mjs', source), WORK);
    expect(report).toEqual({
      copiesDiffer: true,
      result: 'pong:x',
      invalidCode: 'VALIDATION_FAILED',
      cjsRecognisesEsmError: true,
      duplicateCode: 'DUPLICATE_HANDLER',
      duplicateNamesBoth: true,
      esmRecognisesCjsError: true,
      // instanceof cannot work across copies; that is why isHostFactoryError exists.
      esmInstanceOfCjsError: false,
    });
  });
});
