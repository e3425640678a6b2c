import { describe, expect, it } from 'vitest';
import { CreateTemplate, createHostFactory } from '../../src/index';
import { eventHandler, type EventHandler, type EventMessage } from '../../src/kernel';
import type { DurableEventContext } from '../../src/application/processors/index';
import { createInMemoryStorage, createTestHostFactory, FakeProvider } from '../../src/testing';
import { caughtUp, stopWithin } from './support';

const template = (templateId: string) => ({ template: { templateId, maxNumber: 4, attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] }, vmType: 't3.small' } });

const live: string[] = [];
const durable: { id: string; position: number; correlationId: string | undefined }[] = [];
let failuresLeft = 0;

@eventHandler('TemplateCreated')
class LiveAudit implements EventHandler {
  handle(event: EventMessage & { aggregateId?: string }): void {
    live.push(event.aggregateId!);
  }
}

@eventHandler('TemplateCreated', { durable: { name: 'template-audit', attempts: 2, backoffMs: 1 } })
class DurableAudit implements EventHandler {
  async handle(event: EventMessage & { aggregateId?: string }, context: DurableEventContext): Promise<void> {
    if (failuresLeft > 0) {
      failuresLeft -= 1;
      throw new Error('audit store unavailable');
    }
    // The write and the checkpoint commit together: an outbox event is the write these tests can see.
    await context.processor.transaction(async (tx) => tx.outbox.append([]));
    durable.push({ id: event.aggregateId!, position: context.processor.position, correlationId: context.correlationId });
  }
}

describe('durable @eventHandler', () => {
  it('runs only in its processor once started, while a plain handler keeps its in-process delivery', async () => {
    live.length = 0;
    durable.length = 0;
    const hf = createTestHostFactory({ handlers: [LiveAudit, DurableAudit], processors: { pollMs: 5 } });
    await hf.commands.execute(CreateTemplate.from(template('t-1')), { correlationId: 'corr-1' });
    await hf.settle();
    expect(live).toEqual(['t-1']);
    expect(durable).toEqual([]);
    hf.processors.start();
    await caughtUp(hf.processors);
    expect(durable).toEqual([{ id: 't-1', position: 1, correlationId: 'corr-1' }]);
    expect(hf.processors.list().map((p) => p.name)).toEqual(['template-audit']);
    await stopWithin(hf.processors);
    hf.dispose();
  });

  it('dead-letters an event after its attempts and replays it through the host factory', async () => {
    durable.length = 0;
    failuresLeft = 2;
    const hf = createTestHostFactory({ handlers: [DurableAudit], processors: { pollMs: 5 } });
    hf.processors.start();
    await hf.commands.execute(CreateTemplate.from(template('t-2')));
    await caughtUp(hf.processors);
    const audit = hf.processors.get('template-audit');
    expect((await audit.deadLetters()).map((l) => [l.position, l.attempts, l.error])).toEqual([[1, 2, 'Error: audit store unavailable']]);
    expect(await audit.replayDeadLetters()).toEqual({ replayed: 1, failed: [] });
    expect(durable.map((d) => d.id)).toEqual(['t-2']);
    expect(() => hf.processors.get('nope')).toThrow(expect.objectContaining({ code: 'PROCESSOR_NOT_FOUND' }));
    await stopWithin(hf.processors);
    hf.dispose();
  });

  it('refuses two durable handlers with one processor name, and a name a checkpoint key cannot hold', () => {
    @eventHandler('TemplateCreated', { durable: { name: 'template-audit' } })
    class SecondAudit implements EventHandler {
      handle(): void {}
    }
    @eventHandler('TemplateCreated', { durable: { name: 'audit #1' } })
    class BadlyNamed implements EventHandler {
      handle(): void {}
    }
    expect(() => createTestHostFactory({ handlers: [DurableAudit, SecondAudit] })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIGURATION', details: { handler: 'SecondAudit', name: 'template-audit' }, message: expect.stringContaining('taken by another durable handler') }),
    );
    expect(() => createTestHostFactory({ handlers: [BadlyNamed] })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIGURATION', details: { handler: 'BadlyNamed', name: 'audit #1' } }));
  });

  it('refuses a storage without a processor store, naming the durable handlers', () => {
    const { processors: _none, ...storage } = createInMemoryStorage();
    expect(() => createHostFactory({ storage, provider: new FakeProvider(), handlers: [DurableAudit] })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIGURATION', details: expect.objectContaining({ handlers: ['DurableAudit'] }) }),
    );
  });
});
