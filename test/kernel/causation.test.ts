import 'reflect-metadata';
import { IsString } from 'class-validator';
import { afterEach, describe, expect, it } from 'vitest';
import { Command, createKernel, KernelError, retry, type HandlerContext, type Instrumentation, type Kernel } from '../../src/kernel';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import { createTestHostFactory, type TestHostFactory } from '../../src/testing';
import { templateInput } from '../support/templates';

class Outer extends Command<void> {
  @IsString() step!: string;
}
class Inner extends Command<void> {
  @IsString() step!: string;
}

type Seen = Pick<HandlerContext, 'messageId' | 'correlationId' | 'causationId' | 'messageName'>;

/** A kernel whose `Outer` handler runs `Inner` without passing any option, recording each context. */
function nestingKernel(seen: Seen[], dispatchContext = true): Kernel {
  const k = createKernel({ dispatchContext });
  const record = (c: HandlerContext) => seen.push({ messageId: c.messageId, correlationId: c.correlationId, causationId: c.causationId, messageName: c.messageName });
  k.commands.register(Inner, { handle: async (_m, c) => void record(c) });
  k.commands.register(Outer, {
    handle: async (m, c) => {
      record(c);
      await new Promise((resolve) => setTimeout(resolve, m.step === 'slow' ? 5 : 0));
      await k.commands.execute(Object.assign(new Inner(), { step: m.step }));
    },
  });
  k.events.register('Started', { handle: async () => k.commands.execute(Object.assign(new Inner(), { step: 'from-event' })) });
  return k;
}

describe('the dispatch context', () => {
  let kernel: Kernel | undefined;
  afterEach(() => kernel?.dispose());

  it('gives a command run inside a handler the correlation of its caller and the caller as causation', async () => {
    const seen: Seen[] = [];
    kernel = nestingKernel(seen);
    await kernel.commands.execute(Object.assign(new Outer(), { step: 'a' }));
    const [outer, inner] = seen;
    expect(outer!.causationId).toBeUndefined();
    expect(outer!.correlationId).toBe(outer!.messageId);
    expect(inner).toMatchObject({ messageName: 'Inner', correlationId: outer!.correlationId, causationId: outer!.messageId });
    expect(inner!.messageId).not.toBe(outer!.messageId);
  });

  it('keeps an explicit correlation id and message id, and hands them down', async () => {
    const seen: Seen[] = [];
    kernel = nestingKernel(seen);
    await kernel.commands.execute(Object.assign(new Outer(), { step: 'a' }), { correlationId: 'http-42', metadata: { commandId: 'cmd-1' } });
    expect(seen).toEqual([
      { messageName: 'Outer', messageId: 'cmd-1', correlationId: 'http-42', causationId: undefined },
      { messageName: 'Inner', messageId: seen[1]!.messageId, correlationId: 'http-42', causationId: 'cmd-1' },
    ]);
  });

  it('never mixes the contexts of concurrent dispatches', async () => {
    const seen: Seen[] = [];
    kernel = nestingKernel(seen);
    await Promise.all([
      kernel.commands.execute(Object.assign(new Outer(), { step: 'slow' }), { correlationId: 'one' }),
      kernel.commands.execute(Object.assign(new Outer(), { step: 'fast' }), { correlationId: 'two' }),
    ]);
    const byCorrelation = (id: string) => seen.filter((s) => s.correlationId === id);
    for (const id of ['one', 'two']) {
      const [outer, inner] = byCorrelation(id);
      expect(inner!.causationId).toBe(outer!.messageId);
    }
  });

  it('ignores an event’s eventId and correlationId that are not strings', async () => {
    const seen: Seen[] = [];
    kernel = nestingKernel(seen);
    await kernel.events.publish({ type: 'Started', eventId: 7, correlationId: 3 } as { type: string });
    expect(seen).toEqual([{ messageName: 'Inner', messageId: seen[0]!.messageId, correlationId: seen[0]!.messageId, causationId: undefined }]);
    expect(seen[0]!.messageId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives a command run by an event handler the event as causation and its correlation', async () => {
    const seen: Seen[] = [];
    kernel = nestingKernel(seen);
    await kernel.events.publish({ type: 'Started', eventId: 'evt-7', correlationId: 'conv-3' } as { type: string });
    expect(seen).toEqual([{ messageName: 'Inner', messageId: seen[0]!.messageId, correlationId: 'conv-3', causationId: 'evt-7' }]);
  });
});

describe('createKernel() without dispatchContext (the default for a plain kernel)', () => {
  it('enters no scope: a nested dispatch starts its own correlation and has no causation', async () => {
    const seen: Seen[] = [];
    const kernel = createKernel();
    const record = (c: HandlerContext) => seen.push({ messageId: c.messageId, correlationId: c.correlationId, causationId: c.causationId, messageName: c.messageName });
    kernel.commands.register(Inner, { handle: async (_m, c) => void record(c) });
    kernel.commands.register(Outer, {
      handle: async (m, c) => {
        record(c);
        await kernel.commands.execute(Object.assign(new Inner(), { step: m.step }));
      },
    });
    kernel.events.register('Started', { handle: async () => kernel.commands.execute(Object.assign(new Inner(), { step: 'from-event' })) });
    await kernel.commands.execute(Object.assign(new Outer(), { step: 'a' }), { correlationId: 'http-1' });
    expect(seen[0]).toMatchObject({ correlationId: 'http-1' });
    expect(seen[1]!.causationId).toBeUndefined();
    expect(seen[1]!.correlationId).toBe(seen[1]!.messageId);
    await kernel.events.publish({ type: 'Started', eventId: 'evt-1', correlationId: 'conv-1' } as { type: string });
    expect(seen[2]!.causationId).toBeUndefined();
    kernel.dispose();
  });
});

describe('createKernel() with an empty scoped list', () => {
  it('declares no scoped service, so it enters no scope either: a nested dispatch has no causation', async () => {
    const seen: Seen[] = [];
    const kernel = createKernel({ handlers: [], scoped: [] });
    kernel.commands.register(Inner, { handle: async (_m, c) => void seen.push({ messageId: c.messageId, correlationId: c.correlationId, causationId: c.causationId, messageName: c.messageName }) });
    kernel.commands.register(Outer, { handle: async (m) => kernel.commands.execute(Object.assign(new Inner(), { step: m.step })) });
    await kernel.commands.execute(Object.assign(new Outer(), { step: 'a' }), { correlationId: 'http-2' });
    expect(seen).toEqual([{ messageName: 'Inner', messageId: seen[0]!.messageId, correlationId: seen[0]!.messageId, causationId: undefined }]);
    kernel.dispose();
  });
});

describe('an instrumentation without signal()', () => {
  it('is not told of a retried attempt, and the retry still runs', async () => {
    const instrumentation: Instrumentation = { wrap: (_unit, work) => work(), carrier: () => undefined };
    const kernel = createKernel({ handlers: [], instrumentation, middleware: [retry({ backoff: () => 0 })] });
    let attempts = 0;
    kernel.commands.register(Outer, {
      handle: async () => {
        if (++attempts === 1) throw new KernelError('CONCURRENCY_CONFLICT', 'someone else wrote first');
      },
    });
    await kernel.commands.execute(Object.assign(new Outer(), { step: 'a' }));
    expect(attempts).toBe(2);
    kernel.dispose();
  });
});

describe('correlation and causation on stored events', () => {
  let hf: TestHostFactory | undefined;
  afterEach(() => hf?.dispose());

  it('tie a command a host event handler started, without options, to the event and the first command', async () => {
    const contexts: Seen[] = [];
    hf = createTestHostFactory({
      middleware: [
        (context, next) => {
          contexts.push({ messageId: context.messageId, correlationId: context.correlationId, causationId: context.causationId, messageName: context.messageName });
          return next();
        },
      ],
    });
    const host = hf;
    hf.events.register('TemplateCreated', {
      handle: async (event: { type: string; aggregateId?: string }) => {
        if (event.aggregateId === 'small') await host.commands.execute(CreateTemplate.from({ template: templateInput({ templateId: 'copy' }) }));
      },
    });
    await hf.commands.execute(CreateTemplate.from({ template: templateInput() }), { correlationId: 'rest-1' });
    await hf.settle();

    const stored = (await hf.storage.eventLog.readAfter(0, 10)).map((s) => s.event);
    const [first, second] = stored;
    const [outer, nested] = contexts;
    expect(first).toMatchObject({ type: 'TemplateCreated', aggregateId: 'small', correlationId: 'rest-1', causationId: outer!.messageId });
    expect(nested).toMatchObject({ messageName: 'CreateTemplate', correlationId: 'rest-1', causationId: first!.eventId });
    expect(second).toMatchObject({ type: 'TemplateCreated', aggregateId: 'copy', correlationId: 'rest-1', causationId: nested!.messageId });
  });

  it('start a correlation at a command the host sent without one', async () => {
    hf = createTestHostFactory();
    await hf.commands.execute(CreateTemplate.from({ template: templateInput() }));
    const [event] = (await hf.storage.eventLog.readAfter(0, 10)).map((s) => s.event);
    expect(event!.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event!.causationId).toBe(event!.correlationId);
  });
});
