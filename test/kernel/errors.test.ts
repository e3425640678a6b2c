import 'reflect-metadata';
import { Token } from 'typedi';
import { describe, expect, it } from 'vitest';
import {
  Command,
  commandHandler,
  DuplicateHandlerError,
  HandlerNotFoundError,
  Inject,
  isKernelError,
  KernelError,
  KernelVerificationError,
  ValidationError,
  type ValidationIssue,
} from '../../src/kernel';
import { disposedAfterEach } from '../support/kernels';

const kernel = disposedAfterEach();

/** What `run` throws; fails the test when it returns. */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('KernelError.toJSON()', () => {
  it('has no cause key when the error has no cause', () => {
    const json = new KernelError('X', 'no cause here').toJSON();
    expect(Object.keys(json)).toEqual(['name', 'code', 'message', 'details']);
  });

  it('summarises a kernel error cause by its own toJSON(), code and details included', () => {
    const inner = new KernelError('INNER', 'inner failure', { details: { attempt: 2 } });
    expect(new KernelError('OUTER', 'outer', { cause: inner }).toJSON().cause).toEqual({
      name: 'KernelError',
      code: 'INNER',
      message: 'inner failure',
      details: { attempt: 2 },
    });
  });

  it('keeps an Error cause’s name and message as they are, even a message that is not text', () => {
    const odd = Object.assign(new TypeError(), { message: { reason: 'not text' } });
    expect(new KernelError('X', 'outer', { cause: odd }).toJSON().cause).toEqual({ name: 'TypeError', message: { reason: 'not text' } });
  });

  it('writes a null cause as the text null', () => {
    expect(new KernelError('X', 'outer', { cause: null }).toJSON().cause).toBe('null');
  });

  it('keeps the name of error-like data only when it is text', () => {
    const cause = { name: 42, message: 'from a serialised error' };
    expect(new KernelError('X', 'outer', { cause }).toJSON().cause).toStrictEqual({ message: 'from a serialised error' });
  });
});

describe('ValidationError', () => {
  const issue = (path: string, message: string): ValidationIssue => ({ path, constraint: 'rule', message });

  it('shows an issue about the value as a whole by its message alone', () => {
    expect(new ValidationError('Crate', [issue('', 'expected a JSON object, got null')]).message).toBe(
      'Invalid Crate: expected a JSON object, got null. Correct these fields and try again.',
    );
    class Crate extends Command<void> {}
    expect(thrownBy(() => Crate.from(null))).toMatchObject({
      message: 'Invalid Crate: expected a JSON object, got null. Correct these fields and try again.',
    });
  });

  it('shows five issues in full and counts only those past the fifth', () => {
    const five = ['a', 'b', 'c', 'd', 'e'].map((path) => issue(path, `${path} is wrong`));
    expect(new ValidationError('Crate', five).message).toBe(
      'Invalid Crate: a is wrong; b is wrong; c is wrong; d is wrong; e is wrong. Correct these fields and try again.',
    );
    expect(new ValidationError('Crate', [...five, issue('f', 'f is wrong')]).message).toBe(
      'Invalid Crate: a is wrong; b is wrong; c is wrong; d is wrong; e is wrong; and 1 more. Correct these fields and try again.',
    );
  });
});

describe('HandlerNotFoundError', () => {
  it('says where to list or register a command handler when no fix is given', () => {
    const error = new HandlerNotFoundError('command', 'Ship');
    expect(error).toMatchObject({ code: 'HANDLER_NOT_FOUND', details: { kind: 'command', message: 'Ship' } });
    expect(error.message).toBe(
      'No command handler for Ship. List its @commandHandler class in createKernel({ handlers: [...] }), or register one with kernel.commands.register(Ship, handler).',
    );
  });

  it('points a missing query handler at kernel.queries', () => {
    expect(new HandlerNotFoundError('query', 'Stock').message).toBe(
      'No query handler for Stock. List its @queryHandler class in createKernel({ handlers: [...] }), or register one with kernel.queries.register(Stock, handler).',
    );
  });
});

describe('DuplicateHandlerError', () => {
  it('refuses a kernel listing two handlers of one command with DUPLICATE_HANDLER naming both', () => {
    class Pack extends Command<void> {}
    class PackHandler {
      handle() {}
    }
    class OtherPackHandler {
      handle() {}
    }
    commandHandler(Pack)(PackHandler);
    commandHandler(Pack)(OtherPackHandler);
    const error = thrownBy(() => kernel({ handlers: [PackHandler, OtherPackHandler] }));
    expect(error).toBeInstanceOf(DuplicateHandlerError);
    expect(isKernelError(error, 'DUPLICATE_HANDLER')).toBe(true);
    expect(error).toMatchObject({ details: { message: 'Pack', existing: 'PackHandler', duplicate: 'OtherPackHandler' } });
  });

  it('says to keep one handler when no fix is given', () => {
    expect(new DuplicateHandlerError('Pack', 'PackHandler', 'OtherPackHandler').message).toBe(
      'Pack already has the handler PackHandler; OtherPackHandler cannot handle it too in one kernel. ' +
        'Keep one handler per command or query (remove one decorator, or list only one of them in createKernel({ handlers })).',
    );
  });
});

describe('KernelVerificationError', () => {
  it('counts the wiring problems and lists each on its own line, keeping them in details', () => {
    const CLOCK = new Token<unknown>('errors-test.clock');
    const LEDGER = new Token<unknown>('errors-test.ledger');
    class Stamp extends Command<void> {}
    class StampHandler {
      constructor(@Inject(CLOCK) readonly clock: unknown, @Inject(LEDGER) readonly ledger: unknown) {}
      handle() {}
    }
    commandHandler(Stamp)(StampHandler);
    const error = thrownBy(() => kernel({ handlers: [StampHandler] }).verify()) as KernelVerificationError;
    expect(error).toBeInstanceOf(KernelVerificationError);
    expect(error.code).toBe('KERNEL_MISCONFIGURED');
    expect(error.problems).toHaveLength(2);
    const [clock, ledger] = error.problems;
    expect(error.message).toBe(`The kernel has 2 wiring problem(s):\n  - ${clock?.message}\n  - ${ledger?.message}`);
    expect(error.details).toEqual({ problems: error.problems });
    expect(error.toJSON().details).toEqual({ problems: [expect.objectContaining({ code: 'UNRESOLVED_DEPENDENCY', parameter: 0 }), expect.objectContaining({ parameter: 1 })] });
  });
});
