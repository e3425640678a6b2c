import 'reflect-metadata';
import { Container } from 'typedi';
import { describe, expect, it } from 'vitest';
import { Command, commandHandler, createKernel, eventHandler, Inject, isKernelError, LOGGER, type Logger } from '../../src/kernel';
import { CountLetters, Greet } from './fixtures';

class Ping extends Command<string> {}

@commandHandler(Ping)
class PingHandler {
  handle(): string {
    return 'built by the kernel';
  }
}

const heard: string[] = [];
@eventHandler('LifecyclePinged')
class PingListener {
  handle(): void {
    heard.push('pinged');
  }
}

// What creating and disposing a kernel promise a host that shares a container or shuts down.

describe('a disposed kernel', () => {
  it('refuses every later command and query with KERNEL_DISPOSED, routed or not', async () => {
    const k = createKernel({ handlers: [] });
    k.commands.register(Greet, { handle: (c) => c.name });
    k.queries.register(CountLetters, { handle: () => 1 });
    class NeverRouted extends Command<void> {}
    await expect(k.queries.execute(CountLetters.from({ text: 'a' }))).resolves.toBe(1);
    k.dispose();
    for (const work of [k.commands.execute(Greet.of('x')), k.queries.execute(CountLetters.from({ text: 'a' })), k.commands.execute(new NeverRouted())]) {
      const error = await work.catch((e: unknown) => e);
      expect(isKernelError(error, 'KERNEL_DISPOSED')).toBe(true);
    }
    const error = await k.queries.execute(CountLetters.from({ text: 'a' })).catch((e: unknown) => e);
    expect((error as Error).message).toBe('This kernel was disposed; create a new kernel to dispatch queries.');
  });
});

describe('a kernel given a container', () => {
  it('keeps the logger and the handler instances the host bound in it', async () => {
    const id = 'kernel-lifecycle-host-container';
    const container = Container.of(id);
    const hostLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
    container.set(LOGGER, hostLogger);
    container.set(PingHandler, { handle: () => 'bound by the host' });
    const k = createKernel({ container, handlers: [PingHandler], logger: { debug() {}, info() {}, warn() {}, error() {} } });
    expect(k.container.get(LOGGER)).toBe(hostLogger);
    await expect(k.commands.execute(new Ping())).resolves.toBe('bound by the host');
    const own = createKernel({ handlers: [PingHandler] });
    await expect(own.commands.execute(new Ping())).resolves.toBe('built by the kernel');
    own.dispose();
    k.dispose();
    Container.reset(id);
  });
});

describe('a kernel given one handler class twice', () => {
  it('routes it once: each event reaches it once', async () => {
    const k = createKernel({ handlers: [PingListener, PingHandler, PingListener, PingHandler] });
    heard.length = 0;
    await expect(k.events.publish({ type: 'LifecyclePinged' })).resolves.toEqual({ delivered: 1, failed: [] });
    expect(heard).toEqual(['pinged']);
    k.dispose();
  });
});

describe('a handler the kernel cannot use', () => {
  it('fails the dispatch with INVALID_HANDLER when it has no handle(), whether given as an instance or a class, scoped or not', async () => {
    class NoHandle {}
    const plain = createKernel({ handlers: [] });
    const withScope = createKernel({ handlers: [], scoped: [{ token: 'lifecycle.unused', create: () => 1 }] });
    class ScopedNoHandle {
      constructor(@Inject('lifecycle.unused') readonly unused: number) {}
    }
    plain.commands.register(Greet, {} as never);
    plain.queries.register(CountLetters, NoHandle as never);
    withScope.commands.register(Greet, ScopedNoHandle as never);
    for (const work of [plain.commands.execute(Greet.of('x')), plain.queries.execute(CountLetters.from({ text: 'a' })), withScope.commands.execute(Greet.of('x'))]) {
      const error = await work.catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'INVALID_HANDLER', details: { message: expect.stringMatching(/^(Greet|CountLetters)$/) } });
      expect((error as Error).message).toMatch(/^The handler for (Greet|CountLetters) has no handle\(\) method\.$/);
    }
    plain.dispose();
    withScope.dispose();
  });

  it('builds a handler class it was given once, and keeps it for every dispatch', async () => {
    let built = 0;
    class Counting {
      constructor() {
        built++;
      }
      handle(): string {
        return `built ${built}`;
      }
    }
    const k = createKernel({ handlers: [] });
    k.commands.register(Greet, Counting);
    await k.commands.execute(Greet.of('a'));
    await expect(k.commands.execute(Greet.of('b'))).resolves.toBe('built 1');
    k.dispose();
  });
});
