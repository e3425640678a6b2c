/**
 * A CommonJS service whose handlers live in an ES module it loads with `require()` (require(esm),
 * unflagged from Node 20.19 and 22.12, and on 24): the service `require`s `hostfactory-kernel` (the
 * CommonJS build) while the handlers' module `import`s it (the ES build), so both copies are loaded
 * in one process. The service routes a handler of that module with a kernel of its own copy; the
 * handler dispatches a nested command through a kernel of the ES copy, whose handler reads its
 * context after a timer (the causation scope must reach it across the two copies and the timer).
 * Prints one JSON line of observations.
 */
export const REQUIRE_ESM_FILES = {
  'handlers.mjs': `
import { IsString } from 'class-validator';
import { Command, commandHandler, createKernel } from 'hostfactory-kernel';

export class Outer extends Command {
  constructor(name) {
    super();
    this.name = name;
  }
}
IsString()(Outer.prototype, 'name');

export class Inner extends Command {}

export class InnerHandler {
  async handle(command, context) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return { correlationId: context.correlationId, causationId: context.causationId };
  }
}
commandHandler(Inner)(InnerHandler);

// A kernel of the ES copy, e.g. a module's own: its dispatches read the scope the other copy entered.
export const innerKernel = createKernel({ handlers: [InnerHandler], dispatchContext: true });

export class OuterHandler {
  async handle(command, context) {
    const inner = await innerKernel.commands.execute(new Inner());
    return { name: command.name, correlationId: context.correlationId, inner };
  }
}
commandHandler(Outer)(OuterHandler);

export { Command };
`,
  'service.cjs': `'use strict';
require('reflect-metadata');
const library = require('hostfactory-kernel');
const handlers = require('./handlers.mjs');

async function main() {
  const kernel = library.createKernel({ handlers: [handlers.OuterHandler], dispatchContext: true });
  kernel.verify();
  const outer = await kernel.commands.execute(new handlers.Outer('Ada'), { correlationId: 'corr-1', messageId: 'outer-1' });
  const capture = async (fn) => { try { await fn(); } catch (error) { return error; } throw new Error('expected a rejection'); };
  const invalid = await capture(() => kernel.commands.execute(new handlers.Outer(42)));
  const fromInvalid = await capture(() => handlers.Outer.from({ name: 42 }));
  kernel.dispose();
  handlers.innerKernel.dispose();
  console.log(JSON.stringify({
    requireModule: process.features.require_module,
    twoCopies: handlers.Command !== library.Command,
    outer,
    invalid: { code: invalid.code, isKernelError: library.isKernelError(invalid, 'VALIDATION_FAILED') },
    fromInvalid: {
      code: fromInvalid.code,
      isKernelError: library.isKernelError(fromInvalid, 'VALIDATION_FAILED'),
      instanceOfValidationError: fromInvalid instanceof library.ValidationError,
    },
  }));
}
main().catch((error) => { console.error(error); process.exitCode = 1; });
`,
} as const;

/** What the require(esm) service must print on every supported line. */
export function expectedRequireEsmReport(): Record<string, unknown> {
  return {
    requireModule: true,
    twoCopies: true,
    outer: { name: 'Ada', correlationId: 'corr-1', inner: { correlationId: 'corr-1', causationId: 'outer-1' } },
    invalid: { code: 'VALIDATION_FAILED', isKernelError: true },
    // The ES copy's error: recognised by code across copies, never by instanceof (docs/packaging.md).
    fromInvalid: { code: 'VALIDATION_FAILED', isKernelError: true, instanceOfValidationError: false },
  };
}
