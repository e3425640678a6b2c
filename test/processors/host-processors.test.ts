import { describe, expect, it } from 'vitest';
import { CreateTemplate, DeleteTemplate, createHostFactory } from '../../src/index';
import { eventHandler, type EventHandler, type EventMessage } from '../../src/kernel';
import { createInMemoryStorage, createTestHostFactory, FakeProvider } from '../../src/testing';
import { caughtUp, stopWithin } from './support';

const template = (templateId: string) => ({ template: { templateId, maxNumber: 4, attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] }, vmType: 't3.small' } });

const seen: string[] = [];

@eventHandler('TemplateCreated', { durable: { name: 'created-log' } })
class CreatedLog implements EventHandler {
  handle(event: EventMessage): void {
    seen.push(event.type);
  }
}

@eventHandler('TemplateDeleted', { durable: { name: 'deleted-log' } })
class DeletedLog implements EventHandler {
  handle(): void {}
}

describe('the host factory\'s durable handler processors', () => {
  it('hands a durable handler only the events of its own types', async () => {
    seen.length = 0;
    const hf = createTestHostFactory({ handlers: [CreatedLog], processors: { pollMs: 5 } });
    await hf.commands.execute(CreateTemplate.from(template('t-1')));
    await hf.commands.execute(DeleteTemplate.from({ templateId: 't-1' }));
    await hf.commands.execute(CreateTemplate.from(template('t-2')));
    expect((await hf.storage.eventLog.readAfter(0, 10)).map((s) => s.event.type)).toEqual(['TemplateCreated', 'TemplateDeleted', 'TemplateCreated']);
    hf.processors.start();
    await caughtUp(hf.processors);
    expect(seen).toEqual(['TemplateCreated', 'TemplateCreated']);
    await stopWithin(hf.processors);
    hf.dispose();
  });

  it('get() of an unknown name throws PROCESSOR_NOT_FOUND naming every known processor', () => {
    const hf = createTestHostFactory({ handlers: [CreatedLog, DeletedLog] });
    expect(() => hf.processors.get('nope')).toThrow(
      expect.objectContaining({
        code: 'PROCESSOR_NOT_FOUND',
        message: 'No durable event handler runs as processor "nope"; known: created-log, deleted-log.',
        details: { name: 'nope', known: ['created-log', 'deleted-log'] },
      }),
    );
    hf.dispose();
  });

  it('get() says "known: none" when the host factory has no durable handler', () => {
    const hf = createTestHostFactory();
    expect(() => hf.processors.get('created-log')).toThrow(
      expect.objectContaining({ code: 'PROCESSOR_NOT_FOUND', message: 'No durable event handler runs as processor "created-log"; known: none.', details: { name: 'created-log', known: [] } }),
    );
    hf.dispose();
  });

  it('refuses a storage without a processor store with a message naming each durable handler and the missing option', () => {
    const { processors: _none, ...storage } = createInMemoryStorage();
    let thrown: unknown;
    try {
      createHostFactory({ storage, provider: new FakeProvider(), handlers: [CreatedLog, DeletedLog] });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({
      code: 'INVALID_CONFIGURATION',
      message: expect.stringMatching(/^Durable event handlers \(CreatedLog, DeletedLog\) need a storage with a processor store \(storage\.processors\); this storage has none\./),
      details: { option: 'storage.processors', handlers: ['CreatedLog', 'DeletedLog'] },
    });
  });

  it('says why a processor name is refused when it is not a valid name', () => {
    @eventHandler('TemplateCreated', { durable: { name: 'audit #1' } })
    class BadlyNamed implements EventHandler {
      handle(): void {}
    }
    expect(() => createTestHostFactory({ handlers: [BadlyNamed] })).toThrow(
      expect.objectContaining({
        code: 'INVALID_CONFIGURATION',
        message: 'Durable event handler BadlyNamed needs a unique processor name of 1-100 letters, digits, ".", "_" or "-"; "audit #1" is not one. Give it @eventHandler(..., { durable: { name } }).',
      }),
    );
  });
});
