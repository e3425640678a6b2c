// A test every runner must report as FAILED: an event handler throws while the scenario's step
// settles, so the step rejects with EVENT_HANDLER_FAILED naming the handler.
import { CreateTemplate, eventHandler, type EventHandler } from 'hostfactory-kernel';
import { scenario } from 'hostfactory-kernel/testing';
import { template, type SuiteRunner } from './kit-suite';

@eventHandler('TemplateCreated')
export class BrokenAuditSink implements EventHandler {
  handle(): void {
    throw new Error('the audit sink is down');
  }
}

export function failingSuite({ it }: Pick<SuiteRunner, 'it'>): void {
  it('fails because an event handler failed', async () => {
    await scenario({ handlers: [BrokenAuditSink] }).when(CreateTemplate.from({ template })).then(['TemplateCreated']);
  });
}
