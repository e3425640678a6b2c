// A broken event handler fails the test that caused it: settle() (and so every scenario step)
// rejects with EVENT_HANDLER_FAILED naming the handler, unless the host opts out.
import 'reflect-metadata';
import { Token } from 'typedi';
import { afterEach, describe, expect, it } from 'vitest';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import { ListTemplates } from '../../src/application/templates/template.queries';
import { eventHandler, isKernelError, type EventHandler } from '../../src/kernel';
import { createTestHostFactory, scenario, type TestHostFactory, type TestHostFactoryOptions } from '../../src/testing';
import { templateInput } from '../support/templates';

const MAILER = new Token<{ send(text: string): void }>('test.failures.mailer');

@eventHandler('TemplateCreated', { inject: [MAILER] })
class MailOnTemplate implements EventHandler {
  constructor(private readonly mailer: { send(text: string): void }) {}
  handle(): void {
    this.mailer.send('template created');
  }
}

@eventHandler('TemplateCreated')
class ThrowOnTemplate implements EventHandler {
  handle(): void {
    throw new Error('the audit sink is down');
  }
}

const made: TestHostFactory[] = [];
const create = (options: TestHostFactoryOptions): TestHostFactory => {
  const hf = createTestHostFactory(options);
  made.push(hf);
  return hf;
};
afterEach(() => made.splice(0).forEach((hf) => hf.dispose()));

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; details?: Record<string, unknown>; cause?: unknown }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (error === undefined) throw new Error('expected a rejection');
  return error;
}

describe('event-handler failures in the test host factory', () => {
  it('settle() rejects with EVENT_HANDLER_FAILED naming a handler that threw, its event and its error', async () => {
    const hf = create({ handlers: [ThrowOnTemplate] });
    await hf.commands.execute(CreateTemplate.from({ template: templateInput() }));
    const error = await rejection(hf.settle());
    expect(error.code).toBe('EVENT_HANDLER_FAILED');
    expect(error.message).toContain('ThrowOnTemplate on TemplateCreated: the audit sink is down');
    expect(error.message).toContain('failOnEventHandlerErrors: false');
    expect(error.details).toEqual({ failures: [{ handler: 'ThrowOnTemplate', eventType: 'TemplateCreated', error: 'the audit sink is down' }] });
    expect((error.cause as Error).message).toBe('the audit sink is down');
    // Reported once: the next settle() has nothing new to say.
    await expect(hf.settle()).resolves.toBeUndefined();
  });

  it('reports a handler that cannot be built with its UNRESOLVED_DEPENDENCY, and every failure at once', async () => {
    const hf = create({ handlers: [MailOnTemplate, ThrowOnTemplate] });
    await hf.commands.execute(CreateTemplate.from({ template: templateInput() }));
    const error = await rejection(hf.settle());
    expect(error.code).toBe('EVENT_HANDLER_FAILED');
    expect(error.message).toMatch(/2 event handler deliveries failed/);
    expect(error.message).toMatch(/MailOnTemplate on TemplateCreated: UNRESOLVED_DEPENDENCY: .*test\.failures\.mailer/);
    expect(error.cause).toBeInstanceOf(AggregateError);
    expect(isKernelError((error.cause as AggregateError).errors[0], 'UNRESOLVED_DEPENDENCY')).toBe(true);
  });

  it('fails the scenario step whose events reached the failing handler', async () => {
    const error = await rejection(
      scenario({ handlers: [ThrowOnTemplate] })
        .when(CreateTemplate.from({ template: templateInput() }))
        .then(['TemplateCreated']),
    );
    expect(error.code).toBe('EVENT_HANDLER_FAILED');
    expect(error.message).toContain('ThrowOnTemplate');
  });

  it('lets handlers fail quietly with failOnEventHandlerErrors: false, still calling onEventError', async () => {
    const seen: string[] = [];
    const hf = create({ handlers: [ThrowOnTemplate], failOnEventHandlerErrors: false, onEventError: (_e, f) => seen.push(f.handler) });
    await scenario(hf)
      .when(CreateTemplate.from({ template: templateInput() }))
      .then(['TemplateCreated']);
    expect(seen).toEqual(['ThrowOnTemplate']);
  });

  it('resolves when the handler can be built and succeeds', async () => {
    const sent: string[] = [];
    const hf = create({ handlers: [MailOnTemplate] });
    hf.container.set(MAILER, { send: (text) => sent.push(text) });
    await hf.commands.execute(CreateTemplate.from({ template: templateInput() }));
    await hf.queries.execute(ListTemplates.from({}));
    await hf.settle();
    expect(sent).toEqual(['template created']);
  });
});
