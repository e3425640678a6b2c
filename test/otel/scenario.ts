import 'reflect-metadata';
import { IsString } from 'class-validator';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import { RequestMachines } from '../../src/application/requests/request.commands';
import { Command } from '../../src/kernel';
import { createTestHostFactory, type TestHostFactory } from '../../src/testing';
import { templateInput } from '../support/templates';
import type { Telemetry } from './support';

/** A host command an event handler sends, so the trace shows a command nested in event handling. */
export class NotifyOperator extends Command<void> {
  @IsString() requestId!: string;
}

/**
 * The traced scenario of docs/observability.md: a template, then one `RequestMachines`, whose
 * `RequestCreated` event a host handler answers with a nested command.
 */
export async function tracedRequest(otel: Telemetry): Promise<TestHostFactory> {
  const hf = createTestHostFactory({ instrumentation: otel.instrumentation });
  hf.commands.register(NotifyOperator, { handle: async () => undefined });
  hf.events.register('RequestCreated', {
    handle: async (event: { type: string; aggregateId?: string }) => {
      await hf.commands.execute(Object.assign(new NotifyOperator(), { requestId: event.aggregateId }));
    },
  });
  await hf.commands.execute(CreateTemplate.from({ template: templateInput() }));
  await hf.settle();
  otel.spans().length = 0;
  await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 2 }), { correlationId: 'rest-7' });
  await hf.settle();
  return hf;
}
