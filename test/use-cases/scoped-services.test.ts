// Services scoped to one dispatch in a host factory: committed events reach the host's event
// handlers outside whichever dispatch drains them, so one request's caller never leaks into another's.
import 'reflect-metadata';
import { Token } from 'typedi';
import { afterEach, describe, expect, it } from 'vitest';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import { commandHandler, Command, eventHandler, Inject, scoped, type CommandHandler } from '../../src/kernel';
import { createTestHostFactory, type TestHostFactory } from '../../src/testing';
import { templateInput } from '../support/templates';

interface Caller {
  readonly user: string;
}
const CALLER = new Token<Caller>('test.scoped-caller');

const heardBy: string[] = [];
@eventHandler('TemplateCreated')
class TemplateCreatedListener {
  constructor(@Inject(CALLER) private readonly caller: Caller) {}
  handle(): void {
    heardBy.push(this.caller.user);
  }
}

class WhoAmI extends Command<string> {}
@commandHandler(WhoAmI)
class WhoAmIHandler implements CommandHandler<WhoAmI> {
  constructor(@Inject(CALLER) private readonly caller: Caller) {}
  handle(): string {
    return this.caller.user;
  }
}

const open: TestHostFactory[] = [];
afterEach(() => {
  while (open.length > 0) open.pop()?.dispose();
});

describe('scoped services in a host factory', () => {
  it('carry the caller given with execute() to the host’s handler, and never into event handlers of committed events', async () => {
    const hf = createTestHostFactory({
      handlers: [WhoAmIHandler, TemplateCreatedListener],
      scoped: [scoped(CALLER, (context) => ({ user: typeof context.metadata.user === 'string' ? context.metadata.user : '(event delivery)' }))],
    });
    open.push(hf);
    expect(hf.verify()).toBeUndefined();
    const users = ['ann', 'bob', 'cy', 'dee'];
    const answers = await Promise.all(users.map((user) => hf.commands.execute(new WhoAmI(), { metadata: { user } })));
    expect(answers).toEqual(users);
    await Promise.all(
      users.map((user, i) => hf.commands.execute(CreateTemplate.from({ template: templateInput({ templateId: `t-${i}` }) }), { metadata: { user } })),
    );
    await hf.settle();
    expect(heardBy).toHaveLength(4);
    expect(heardBy.every((user) => user === '(event delivery)')).toBe(true);
  });
});
