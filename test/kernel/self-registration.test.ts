import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { Command, commandHandler, createKernel, DuplicateHandlerError, eventHandler, isKernelError, KernelVerificationError, Query, queryHandler, type CommandHandler } from '../../src/kernel';
import { createTestHostFactory } from '../../src/testing';
import { RequestMachines } from '../../src/application/requests/request.commands';
import { disposedAfterEach, problemsOf } from '../support/kernels';

// The tests of this file run in order and share the process-wide record of decorated classes: the
// last ones decorate a second handler for a message, after which no kernel may take both.

class Tally extends Command<string> {}
class Peek extends Query<number> {}

@commandHandler(Tally)
class TallyHandler implements CommandHandler<Tally> {
  handle() {
    return 'tallied';
  }
}

const seen: string[] = [];
@eventHandler('Tallied')
class TalliedListener {
  handle(event: { type: string }) {
    seen.push(event.type);
  }
}

const kernel = disposedAfterEach();

describe('self-registration', () => {
  it('lets a kernel created without a list route every decorated command, query and event handler', async () => {
    class PeekHandler {
      handle() {
        return 7;
      }
    }
    queryHandler(Peek)(PeekHandler);
    const k = kernel();
    await expect(k.commands.execute(new Tally())).resolves.toBe('tallied');
    await expect(k.queries.execute(new Peek())).resolves.toBe(7);
    await expect(k.events.publish({ type: 'Tallied' })).resolves.toEqual({ delivered: 1, failed: [] });
    expect(seen).toEqual(['Tallied']);
  });

  it('never routes the library’s own use cases in a plain kernel', async () => {
    const error = await kernel().commands.execute(RequestMachines.from({ templateId: 't', machineCount: 1 })).catch((e: unknown) => e);
    expect(isKernelError(error, 'HANDLER_NOT_FOUND')).toBe(true);
  });

  it('adds a host factory’s handlers to the use cases, and takes every decorated one when asked', async () => {
    const listed = createTestHostFactory({ handlers: [TallyHandler] });
    const none = createTestHostFactory();
    const all = createTestHostFactory({ handlers: 'decorated' });
    try {
      await expect(listed.commands.execute(new Tally())).resolves.toBe('tallied');
      expect(isKernelError(await none.commands.execute(new Tally()).catch((e: unknown) => e), 'HANDLER_NOT_FOUND')).toBe(true);
      await expect(all.queries.execute(new Peek())).resolves.toBe(7);
      // The use cases are still there.
      await expect(all.commands.execute(RequestMachines.from({ templateId: 'missing', machineCount: 1 }))).rejects.toMatchObject({ code: 'TEMPLATE_NOT_FOUND' });
    } finally {
      for (const hf of [listed, none, all]) hf.dispose();
    }
  });

  it('refuses a host class claiming a use case’s command when the host factory is created', () => {
    class MyRequestMachines {
      handle() {
        return { requestId: 'mine' };
      }
    }
    commandHandler(RequestMachines)(MyRequestMachines);
    const create = () => createTestHostFactory({ handlers: [MyRequestMachines] });
    expect(create).toThrow(DuplicateHandlerError);
    expect(create).toThrow(/RequestMachinesHandler; MyRequestMachines cannot handle it/);
    // Not listed, not routed: a plain kernel takes it (it is the only RequestMachines handler it sees).
    expect(() => kernel()).not.toThrow();
  });

  it('reports in verify() the handlers decorated after a kernel that takes them all was created', () => {
    const k = kernel();
    class LateTally {
      handle() {
        return 'late';
      }
    }
    class LateListener {
      handle() {}
    }
    commandHandler(Tally)(LateTally);
    eventHandler('Late')(LateListener);
    expect(problemsOf(k)).toEqual([
      expect.objectContaining({ code: 'DUPLICATE_HANDLER', handler: 'LateTally', message: expect.stringContaining('Tally already has the handler TallyHandler') }),
      expect.objectContaining({ code: 'UNROUTED_HANDLER', handler: 'LateListener', message: expect.stringContaining('Import its module before calling createKernel()') }),
    ]);
  });

  it('judges a duplicate at kernel creation, never at decoration, and routes either class in a kernel that lists one', async () => {
    // LateTally (above) and TallyHandler both claim Tally.
    expect(() => kernel()).toThrow(DuplicateHandlerError);
    expect(() => kernel()).toThrow(/takes every decorated handler of the process/);
    expect(() => createTestHostFactory({ handlers: 'decorated' })).toThrow(DuplicateHandlerError);
    await expect(kernel({ handlers: [TallyHandler] }).commands.execute(new Tally())).resolves.toBe('tallied');
    const onlyLate = kernel({ handlers: [TallyHandler] });
    onlyLate.commands.register(Tally, { handle: () => 'swapped' });
    await expect(onlyLate.commands.execute(new Tally())).resolves.toBe('swapped');
  });

  it('keeps a class decorated twice with the same message to one claim, and refuses two different { inject } lists', () => {
    class Twice {
      handle() {}
    }
    class Ping extends Command<void> {}
    commandHandler(Ping)(Twice);
    commandHandler(Ping)(Twice);
    const k = kernel({ handlers: [Twice] });
    expect(problemsOf(k)).toEqual([]);
    expect(() => commandHandler(Ping, { inject: ['a'] })(Twice)).not.toThrow();
    expect(() => commandHandler(Ping, { inject: ['b'] })(Twice)).toThrow(/two different \{ inject \} lists/);
  });

  it('names the factory the host called in the fix of a duplicate among the classes it lists', () => {
    class Stamp extends Command<void> {}
    class FirstStamper {
      handle() {}
    }
    class SecondStamper {
      handle() {}
    }
    commandHandler(Stamp)(FirstStamper);
    commandHandler(Stamp)(SecondStamper);
    const fix = (factory: string) =>
      `Stamp already has the handler FirstStamper; SecondStamper cannot handle it too in one kernel. Keep one handler per command or query in one kernel: list only one of them in ${factory}({ handlers: [...] }).`;
    expect(() => createKernel({ handlers: [FirstStamper, SecondStamper] })).toThrow(fix('createKernel'));
    expect(() => createTestHostFactory({ handlers: [FirstStamper, SecondStamper] })).toThrow(fix('createTestHostFactory'));
  });

  it('refuses a listed class that no handler decorator has seen with UNRESOLVED_DEPENDENCY naming it', () => {
    class Undecorated {
      handle() {}
    }
    let refusal: unknown;
    try {
      createKernel({ handlers: [Undecorated] });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(KernelVerificationError);
    expect((refusal as KernelVerificationError).problems).toEqual([
      {
        code: 'UNRESOLVED_DEPENDENCY',
        handler: 'Undecorated',
        message: 'Undecorated is listed in createKernel({ handlers }) but has no @commandHandler, @queryHandler or @eventHandler decorator.',
      },
    ]);
  });
});
