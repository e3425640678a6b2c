import 'reflect-metadata';
import { Token } from 'typedi';
import { describe, expect, it, vi } from 'vitest';
import { Command, type DispatchContext, Inject, type Instrumentation, isKernelError, type Middleware, Query, scoped } from '../../src/kernel';
import { disposedAfterEach } from '../support/kernels';

const kernel = disposedAfterEach();

class Probe extends Command<DispatchContext> {}
class Ask extends Query<string> {}

/** A handler that answers with the context of its dispatch. */
const echo = { handle: (_message: Probe, context: DispatchContext) => context };

describe('the dispatch context', () => {
  it('takes metadata.commandId as the message id only when it is a string', async () => {
    const k = kernel({ handlers: [] });
    k.commands.register(Probe, echo);
    const named = await k.commands.execute(new Probe(), { metadata: { commandId: 'cmd-7' } });
    expect(named.messageId).toBe('cmd-7');
    const numbered = await k.commands.execute(new Probe(), { metadata: { commandId: 42 } });
    expect(numbered.messageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
  });

  it('keeps the causationId the caller gives, and otherwise records the enclosing dispatch as the cause', async () => {
    const k = kernel({ handlers: [], dispatchContext: true });
    k.commands.register(Probe, echo);
    const given = await k.commands.execute(new Probe(), { causationId: 'cause-1' });
    expect(given.causationId).toBe('cause-1');
    k.queries.register(Ask, {
      async handle() {
        const nested = await k.commands.execute(new Probe(), { correlationId: 'corr-9' });
        return nested.causationId ?? 'none';
      },
    });
    const cause = await k.queries.execute(new Ask(), { messageId: 'ask-1' });
    expect(cause).toBe('ask-1');
  });

  it('reads the start time once: startedAt stays the same for the whole dispatch', async () => {
    const k = kernel({ handlers: [] });
    k.queries.register(Ask, {
      async handle(_query: Ask, context: DispatchContext) {
        const first = context.startedAt;
        await new Promise((resolve) => setTimeout(resolve, 5));
        return `${first === context.startedAt}`;
      },
    });
    await expect(k.queries.execute(new Ask())).resolves.toBe('true');
  });
});

describe('a disposed kernel', () => {
  it('names commands or queries in the KERNEL_DISPOSED it rejects with', async () => {
    const k = kernel({ handlers: [] });
    k.commands.register(Probe, echo);
    k.queries.register(Ask, { handle: () => 'answer' });
    k.dispose();
    await expect(k.commands.execute(new Probe())).rejects.toMatchObject({
      code: 'KERNEL_DISPOSED',
      message: 'This kernel was disposed; create a new kernel to dispatch commands.',
    });
    await expect(k.queries.execute(new Ask())).rejects.toMatchObject({
      code: 'KERNEL_DISPOSED',
      message: 'This kernel was disposed; create a new kernel to dispatch queries.',
    });
  });
});

const TENANT = new Token<string>('test.message-bus.tenant');

class TenantHandler {
  constructor(@Inject(TENANT) private readonly tenant: string) {}
  handle(): string {
    return this.tenant;
  }
}

class NeedsUnbound {
  constructor(@Inject(TENANT) readonly tenant: string, @Inject('test.message-bus.unbound') readonly missing: unknown) {}
  handle(): string {
    return 'built';
  }
}

describe('dispatch in a kernel with scoped services', () => {
  it('opens a scope of its own for a dispatch made inside a dispatch of another kernel with scoped services', async () => {
    const other = kernel({ handlers: [], scoped: [scoped(TENANT, () => 'other kernel')] });
    const k = kernel({ handlers: [], scoped: [scoped(TENANT, () => 'this kernel')] });
    k.queries.register(Ask, TenantHandler);
    other.queries.register(Ask, { handle: () => k.queries.execute(new Ask()) });
    await expect(other.queries.execute(new Ask())).resolves.toBe('this kernel');
  });

  it('builds the handler once its scoped services are created asynchronously, and returns its result', async () => {
    const k = kernel({ handlers: [], scoped: [scoped(TENANT, async () => 'created later')] });
    k.queries.register(Ask, TenantHandler);
    await expect(k.queries.execute(new Ask())).resolves.toBe('created later');
  });

  it('runs each dispatch inside the instrumentation', async () => {
    const units: string[] = [];
    const instrumentation: Instrumentation = {
      wrap: (unit, work) => (units.push(unit.kind), work()),
      carrier: () => undefined,
    };
    const k = kernel({ handlers: [], instrumentation, scoped: [scoped(TENANT, () => 'acme')] });
    k.queries.register(Ask, TenantHandler);
    await expect(k.queries.execute(new Ask())).resolves.toBe('acme');
    expect(units).toEqual(['query']);
  });

  it('rejects, never throws, when a middleware throws synchronously', async () => {
    const broken = new Error('middleware broke');
    const throwing: Middleware = () => {
      throw broken;
    };
    const k = kernel({ handlers: [], middleware: [throwing], scoped: [scoped(TENANT, () => 'acme')] });
    k.queries.register(Ask, TenantHandler);
    let dispatched: Promise<string> | undefined;
    expect(() => (dispatched = k.queries.execute(new Ask()))).not.toThrow();
    await expect(dispatched).rejects.toBe(broken);
  });

  it('disposes the scoped services before a failed dispatch rejects, also when disposal is asynchronous', async () => {
    const disposed: string[] = [];
    const slowDispose = async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      disposed.push('tenant');
    };
    const k = kernel({ handlers: [], scoped: [scoped(TENANT, () => 'acme', slowDispose)] });
    const failing = new Error('handler broke');
    class FailingHandler {
      constructor(@Inject(TENANT) readonly tenant: string) {}
      handle(): never {
        throw failing;
      }
    }
    k.queries.register(Ask, FailingHandler);
    await expect(k.queries.execute(new Ask())).rejects.toBe(failing);
    expect(disposed).toEqual(['tenant']);
  });

  it('reports a dependency of a scoped handler that is not bound as not bound in this kernel’s container', async () => {
    const k = kernel({ handlers: [], scoped: [scoped(TENANT, () => 'acme')] });
    k.queries.register(Ask, NeedsUnbound);
    await expect(k.queries.execute(new Ask())).rejects.toMatchObject({
      code: 'UNRESOLVED_DEPENDENCY',
      message: expect.stringContaining('"test.message-bus.unbound", which is not bound in this kernel\'s container'),
    });
  });

  it('routes to a handler object as given, even one whose prototype is a class that injects a scoped service', async () => {
    const k = kernel({ handlers: [], scoped: [scoped(TENANT, () => 'acme')] });
    k.queries.register(Ask, Object.assign(Object.create(TenantHandler) as object, { handle: () => 'as given' }) as never);
    await expect(k.queries.execute(new Ask())).resolves.toBe('as given');
  });

  it('refuses with INVALID_HANDLER a scoped handler class whose constructor yields no handler', async () => {
    class Deferred {
      constructor(@Inject(TENANT) readonly tenant: string) {
        // A constructor may return another object; this one returns a promise of nothing.
        return Promise.resolve(undefined) as unknown as Deferred;
      }
      handle(): string {
        return 'never';
      }
    }
    const k = kernel({ handlers: [], scoped: [scoped(TENANT, () => 'acme')] });
    k.queries.register(Ask, Deferred);
    const error = await k.queries.execute(new Ask()).catch((e: unknown) => e);
    expect(isKernelError(error, 'INVALID_HANDLER')).toBe(true);
    expect(error).toMatchObject({ message: 'The handler for Ask has no handle() method.', details: { message: 'Ask' } });
  });
});
