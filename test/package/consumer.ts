import { expect } from 'vitest';

/**
 * The consumer program used by the built-package tests: what a user writes in plain JavaScript,
 * with decorators applied by calling them (plain JS has no decorator syntax). It defines a command
 * with class-validator rules, a handler with an injected dependency, runs both through
 * `createKernel({ handlers })` and prints one JSON line of observations.
 */

/** The names the consumer body expects in scope. */
const NAMES = {
  kernel: ['Command', 'commandHandler', 'createKernel', 'isKernelError', 'ValidationError'],
  validator: ['IsInt', 'IsString', 'Min', 'MinLength'],
  typedi: ['Token'],
};

/** What the consumer prints. */
export interface ConsumerReport {
  result: string;
  fromResult: string;
  invalid: { name: string; code: string; paths: string[]; message: string; isKernelError: boolean; instanceOfValidationError: boolean };
  fromInvalid: { code: string; paths: string[] };
  fromNull: { code: string; isTypeError: boolean };
}

const BODY = `
class Greet extends Command {
  constructor(name, times) {
    super();
    this.name = name;
    this.times = times;
  }
}
IsString()(Greet.prototype, 'name');
MinLength(1)(Greet.prototype, 'name');
IsInt()(Greet.prototype, 'times');
Min(1)(Greet.prototype, 'times');

const GREETING = new Token('greeting');

class GreetHandler {
  constructor(greeting) {
    this.greeting = greeting;
  }
  handle(command) {
    return Array.from({ length: command.times }, () => this.greeting + ', ' + command.name).join(' ');
  }
}
commandHandler(Greet, { inject: [GREETING] })(GreetHandler);

async function main() {
  const kernel = createKernel({ handlers: [GreetHandler] });
  kernel.container.set(GREETING, 'Hello');
  kernel.verify();
  const result = await kernel.commands.execute(new Greet('Ada', 2));
  const fromResult = await kernel.commands.execute(Greet.from({ name: 'Grace', times: 1 }));
  const capture = async (fn) => { try { await fn(); } catch (error) { return error; } throw new Error('expected a rejection'); };
  const invalid = await capture(() => kernel.commands.execute(new Greet('', 0)));
  const fromInvalid = await capture(() => Greet.from({ name: 'Ada', times: '2' }));
  const fromNull = await capture(() => Greet.from(null));
  kernel.dispose();
  console.log(JSON.stringify({
    result,
    fromResult,
    invalid: {
      name: invalid.name,
      code: invalid.code,
      paths: invalid.issues.map((issue) => issue.path),
      message: invalid.message,
      isKernelError: isKernelError(invalid, 'VALIDATION_FAILED'),
      instanceOfValidationError: invalid instanceof ValidationError,
    },
    fromInvalid: { code: fromInvalid.code, paths: fromInvalid.issues.map((issue) => issue.path) },
    fromNull: { code: fromNull.code, isTypeError: fromNull instanceof TypeError },
  }));
}
`;

/** The consumer as an ES module importing `specifier` (the package name, a subpath or a file URL). */
export function esmConsumer(specifier: string): string {
  return [
    `import 'reflect-metadata';`,
    `import { ${NAMES.validator.join(', ')} } from 'class-validator';`,
    `import { ${NAMES.typedi.join(', ')} } from 'typedi';`,
    `import { ${NAMES.kernel.join(', ')} } from ${JSON.stringify(specifier)};`,
    BODY,
    `await main();`,
    '',
  ].join('\n');
}

/** The consumer as a CommonJS script requiring `specifier`. */
export function cjsConsumer(specifier: string): string {
  return [
    `'use strict';`,
    `require('reflect-metadata');`,
    `const { ${NAMES.validator.join(', ')} } = require('class-validator');`,
    `const { ${NAMES.typedi.join(', ')} } = require('typedi');`,
    `const { ${NAMES.kernel.join(', ')} } = require(${JSON.stringify(specifier)});`,
    BODY,
    `main().catch((error) => { console.error(error); process.exitCode = 1; });`,
    '',
  ].join('\n');
}

/** What the consumer must print, as a `toEqual` pattern; shared by the dist and the packed-tarball tests. */
export function expectedReport(): ConsumerReport {
  return {
    result: 'Hello, Ada Hello, Ada',
    fromResult: 'Hello, Grace',
    invalid: {
      name: 'ValidationError',
      code: 'VALIDATION_FAILED',
      paths: ['name', 'times'],
      message: expect.stringContaining('name') as unknown as string,
      isKernelError: true,
      instanceOfValidationError: true,
    },
    fromInvalid: { code: 'VALIDATION_FAILED', paths: expect.arrayContaining(['times']) as unknown as string[] },
    fromNull: { code: 'VALIDATION_FAILED', isTypeError: false },
  };
}
