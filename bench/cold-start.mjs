// The program timed by the cold-start benchmark (bench/run.mjs): what a short-lived CLI does on
// every invocation. It imports the ESM build, creates a kernel and executes one validated query.
import 'reflect-metadata';
import { IsString } from 'class-validator';
import { Query, createKernel, queryHandler } from '../dist/index.js';

class GetGreeting extends Query {
  constructor(name) {
    super();
    this.name = name;
  }
}
IsString()(GetGreeting.prototype, 'name');

class GetGreetingHandler {
  handle(query) {
    return `Hello, ${query.name}`;
  }
}
queryHandler(GetGreeting)(GetGreetingHandler);

const kernel = createKernel();
const answer = await kernel.queries.execute(new GetGreeting('Ada'));
if (answer !== 'Hello, Ada') throw new Error(`unexpected answer ${answer}`);
kernel.dispose();
