// The quick start from the README, in plain JavaScript against the built package (`npm run demo`).
// Decorators are applied as calls here so the file runs on bare Node; in TypeScript write them as @-decorators.
import 'reflect-metadata';
import { IsInt, IsString, Min, MinLength } from 'class-validator';
import { Token } from 'typedi';
import { Command, Query, commandHandler, createKernel, isKernelError, logging, queryHandler, stderrLogger } from 'hostfactory-kernel';

/** A port the host implements: where greetings are stored. */
const GREETINGS = new Token('quick-start.greetings');

class AddGreeting extends Command {}
IsString()(AddGreeting.prototype, 'name');
MinLength(1)(AddGreeting.prototype, 'name');
IsInt()(AddGreeting.prototype, 'times');
Min(1)(AddGreeting.prototype, 'times');

class CountGreetings extends Query {}

class AddGreetingHandler {
  constructor(store) {
    this.store = store;
  }
  async handle(command) {
    for (let i = 0; i < command.times; i++) this.store.push(`hello ${command.name}`);
    return this.store.length;
  }
}
commandHandler(AddGreeting, { inject: [GREETINGS] })(AddGreetingHandler);

class CountGreetingsHandler {
  constructor(store) {
    this.store = store;
  }
  handle() {
    return this.store.length;
  }
}
queryHandler(CountGreetings, { inject: [GREETINGS] })(CountGreetingsHandler);

// No list: the kernel routes every decorated handler (createKernel({ handlers: [...] }) routes only those).
const kernel = createKernel({ middleware: [logging(stderrLogger('info'))] });
kernel.container.set(GREETINGS, []);
kernel.verify();

const total = await kernel.commands.execute(AddGreeting.from({ name: 'Symphony', times: 2 }));
console.log(`stored greetings: ${total}`);
console.log(`count query says: ${await kernel.queries.execute(CountGreetings.from({}))}`);

try {
  await kernel.commands.execute(AddGreeting.from({ name: '', times: 0, colour: 'red' }));
} catch (error) {
  if (!isKernelError(error, 'VALIDATION_FAILED')) throw error;
  console.log(`rejected bad input (${error.code}):`);
  for (const issue of error.issues) console.log(`  ${issue.path}: ${issue.message}`);
}
kernel.dispose();
