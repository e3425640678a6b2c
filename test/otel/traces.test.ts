import 'reflect-metadata';
import { SpanStatusCode } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import { RequestMachines } from '../../src/application/requests/request.commands';
import { createKernel, KernelError } from '../../src/kernel';
import { openTelemetry } from '../../src/otel';
import { createTestHostFactory, type TestHostFactory } from '../../src/testing';
import { templateInput } from '../support/templates';
import { NotifyOperator, tracedRequest } from './scenario';
import { outline, spanForest, telemetry, type Telemetry } from './support';

describe('OpenTelemetry traces', () => {
  let hf: TestHostFactory | undefined;
  let otel: Telemetry | undefined;
  afterEach(async () => {
    hf?.dispose();
    await otel?.shutdown();
  });

  it('nest RequestMachines, its provider call, the projections and event handler of its events, and the command that handler sent', async () => {
    otel = telemetry();
    hf = await tracedRequest(otel);
    const forest = spanForest(otel.spans());
    expect(forest).toHaveLength(1);
    const lines = outline(forest);
    expect(lines[0]).toBe('command RequestMachines');
    expect(lines).toContain('  provider provision');
    expect(lines).toContain('  project requests');
    expect(lines).toContain('  event RequestCreated');
    expect(lines[lines.indexOf('  event RequestCreated') + 1]).toBe('    command NotifyOperator');
    const traceIds = new Set(otel.spans().map((s) => s.spanContext().traceId));
    expect(traceIds.size).toBe(1);
  });

  it('name and attribute spans after the messaging, code and error conventions', async () => {
    otel = telemetry();
    hf = await tracedRequest(otel);
    const byName = (name: string) => otel!.spans().find((s) => s.name === name)!;
    const command = byName('command RequestMachines');
    expect(command.attributes).toMatchObject({
      'messaging.system': 'hostfactory-kernel',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'command',
      'messaging.destination.name': 'RequestMachines',
      'messaging.message.conversation_id': 'rest-7',
      'hostfactory.outcome': 'success',
    });
    const handler = byName('event RequestCreated');
    expect(handler.attributes).toMatchObject({ 'code.function.name': 'Object.handle', 'messaging.message.conversation_id': 'rest-7' });
    const nested = byName('command NotifyOperator');
    expect(nested.attributes['hostfactory.causation_id']).toBe(handler.attributes['messaging.message.id']);
    expect(byName('provider provision').attributes).toMatchObject({ 'code.function.name': 'ProviderPort.provision', 'hostfactory.provider.operation': 'provision' });
    expect(byName('project requests').attributes['messaging.batch.message_count']).toBeGreaterThan(0);
  });

  it('store the trace with each committed event, so a later catch-up continues it', async () => {
    otel = telemetry();
    hf = await tracedRequest(otel);
    const command = otel.spans().find((s) => s.name === 'command RequestMachines')!;
    const { traceId, spanId } = command.spanContext();
    const stored = (await hf.storage.eventLog.readAfter(0, 50)).map((s) => s.event).filter((e) => e.correlationId === 'rest-7');
    expect(stored.length).toBeGreaterThan(1);
    for (const event of stored) expect(event.trace?.traceparent).toBe(`00-${traceId}-${spanId}-01`);

    // A second process: its projections start from zero and replay the outbox in the stored traces.
    otel.spans().length = 0;
    await hf.rebuildReadModels();
    // One batch holds both traces' events: it continues the first and links to the other.
    const [replayed] = otel.spans().filter((s) => s.name === 'project requests');
    const joined = [replayed!.parentSpanContext, ...replayed!.links.map((l) => l.context)];
    expect(joined).toContainEqual(expect.objectContaining({ traceId, spanId, isRemote: true }));
  });

  it('mark a failing handler span with the error code and status', async () => {
    otel = telemetry();
    const kernel = createKernel({ instrumentation: otel.instrumentation });
    kernel.commands.register(NotifyOperator, {
      handle: async () => {
        throw new KernelError('OPERATOR_UNREACHABLE', 'No operator answered.');
      },
    });
    await expect(kernel.commands.execute(Object.assign(new NotifyOperator(), { requestId: 'r-1' }))).rejects.toThrow('No operator');
    const [span] = otel.spans();
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'No operator answered.' });
    expect(span!.attributes).toMatchObject({ 'error.type': 'OPERATOR_UNREACHABLE', 'hostfactory.error.code': 'OPERATOR_UNREACHABLE', 'hostfactory.outcome': 'failure' });
    expect(span!.events.map((e) => e.name)).toContain('exception');
    kernel.dispose();
  });

  it('record a failed provider call with its code under the command that made it', async () => {
    otel = telemetry();
    hf = createTestHostFactory({ instrumentation: otel.instrumentation });
    await hf.commands.execute(CreateTemplate.from({ template: templateInput() }));
    hf.fake!.script({ templateId: 'small' }, { capacityError: 'no capacity in us-east-1a' });
    await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 })).catch(() => undefined);
    const provider = otel.spans().find((s) => s.name === 'provider provision')!;
    expect(provider.attributes).toMatchObject({ 'error.type': 'PROVIDER_ERROR', 'hostfactory.outcome': 'failure' });
    const parent = otel.spans().find((s) => s.spanContext().spanId === provider.parentSpanContext?.spanId);
    expect(parent?.name).toBe('command RequestMachines');
  });

  it('with no SDK registered, runs the work unchanged and stores no trace with events', async () => {
    hf = createTestHostFactory({ instrumentation: openTelemetry() });
    await hf.commands.execute(CreateTemplate.from({ template: templateInput() }));
    await expect(hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 }))).resolves.toMatchObject({ requestId: expect.any(String) });
    const events = (await hf.storage.eventLog.readAfter(0, 50)).map((s) => s.event);
    expect(events.length).toBeGreaterThan(2);
    for (const event of events) expect(event).not.toHaveProperty('trace');
  });

  it('continue the trace an event carries when a handler processes it in another process', async () => {
    otel = telemetry();
    const kernel = createKernel({ instrumentation: otel.instrumentation });
    kernel.events.register('RequestCreated', { handle: async () => kernel.commands.execute(Object.assign(new NotifyOperator(), { requestId: 'r-9' })) });
    kernel.commands.register(NotifyOperator, { handle: async () => undefined });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const spanId = '00f067aa0ba902b7';
    await kernel.events.publish({ type: 'RequestCreated', eventId: 'e-1', correlationId: 'c-1', trace: { traceparent: `00-${traceId}-${spanId}-01` } } as { type: string });
    const handler = otel.spans().find((s) => s.name === 'event RequestCreated')!;
    const nested = otel.spans().find((s) => s.name === 'command NotifyOperator')!;
    expect(handler.spanContext().traceId).toBe(traceId);
    expect(handler.parentSpanContext).toMatchObject({ traceId, spanId, isRemote: true });
    expect(nested.parentSpanContext?.spanId).toBe(handler.spanContext().spanId);
    expect(nested.attributes).toMatchObject({ 'messaging.message.conversation_id': 'c-1', 'hostfactory.causation_id': 'e-1' });
    kernel.dispose();
  });
});
