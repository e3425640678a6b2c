import 'reflect-metadata';
import { IsString } from 'class-validator';
import { Inject as TypediInject, Service, Token } from 'typedi';
import { describe, expect, it } from 'vitest';
import { Command, commandHandler, createKernel, type CommandHandler } from '../../src/kernel';

/*
 * Handlers written the way typedi documents injection, with typedi's own `@Inject(token)` (0.1 and
 * 0.2 code, and the card's): the kernel resolves such a parameter through typedi's record of it, in
 * the kernel's own container.
 */
const GREETINGS = new Token<string[]>('typedi-inject.greetings');

@Service()
class Prefix {
  readonly text = 'hello';
}

class Greet extends Command<number> {
  @IsString() name!: string;
}

@commandHandler(Greet)
class GreetHandler implements CommandHandler<Greet> {
  // An array type emits `Array` as design:paramtypes: only typedi's @Inject names the token.
  constructor(@TypediInject(GREETINGS) private readonly greetings: string[], private readonly prefix: Prefix) {}
  async handle(command: Greet): Promise<number> {
    this.greetings.push(`${this.prefix.text} ${command.name}`);
    return this.greetings.length;
  }
}

describe("typedi's own @Inject on a handler the kernel builds", () => {
  it('resolves the token in the kernel container, each kernel its own value', async () => {
    const first = createKernel({ handlers: [GreetHandler] });
    const second = createKernel({ handlers: [GreetHandler] });
    const a: string[] = [];
    const b: string[] = ['already'];
    first.container.set(GREETINGS, a);
    second.container.set(GREETINGS, b);
    first.verify();
    expect(await first.commands.execute(Greet.from({ name: 'Symphony' }))).toBe(1);
    expect(await second.commands.execute(Greet.from({ name: 'LSF' }))).toBe(2);
    expect(a).toEqual(['hello Symphony']);
    expect(b).toEqual(['already', 'hello LSF']);
    first.dispose();
    second.dispose();
  });

  it('fails a dispatch with UNRESOLVED_DEPENDENCY naming the parameter when the token is not bound', async () => {
    const kernel = createKernel({ handlers: [GreetHandler] });
    await expect(kernel.commands.execute(Greet.from({ name: 'x' }))).rejects.toMatchObject({ code: 'UNRESOLVED_DEPENDENCY', details: { handler: 'GreetHandler', parameter: 0 } });
    kernel.dispose();
  });
});
