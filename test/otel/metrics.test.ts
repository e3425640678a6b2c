import 'reflect-metadata';
import { IsString, MinLength } from 'class-validator';
import { afterEach, describe, expect, it } from 'vitest';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import { RequestMachines } from '../../src/application/requests/request.commands';
import { Command, createKernel, KernelError } from '../../src/kernel';
import { createTestHostFactory, type TestHostFactory } from '../../src/testing';
import { templateInput } from '../support/templates';
import { recordings, telemetry, total, type Telemetry } from './support';

class Rename extends Command<void> {
  @IsString() @MinLength(1) name!: string;
}

describe('OpenTelemetry metrics', () => {
  let hf: TestHostFactory | undefined;
  let otel: Telemetry | undefined;
  afterEach(async () => {
    hf?.dispose();
    await otel?.shutdown();
  });

  it('count durations by type and outcome, conflicts, retries, validation failures, provider errors and projection lag', async () => {
    otel = telemetry();
    hf = createTestHostFactory({ instrumentation: otel.instrumentation });
    let conflicts = 1;
    hf.commands.register(Rename, {
      handle: async () => {
        if (conflicts-- > 0) throw new KernelError('CONCURRENCY_CONFLICT', 'Someone else saved first.');
      },
    });
    await hf.commands.execute(CreateTemplate.from({ template: templateInput() }));
    await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 }));
    await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 }));
    hf.fake!.script({ templateId: 'small' }, { capacityError: 'no capacity' });
    await hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount: 1 })).catch(() => undefined);
    await hf.commands.execute(Object.assign(new Rename(), { name: 'ok' }));
    await expect(hf.commands.execute(Object.assign(new Rename(), { name: '' }))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await hf.settle();
    // An event committed behind the projectors' back: every projection is one event behind until the next catch-up.
    await hf.storage.unitOfWork.transaction(async (tx) =>
      tx.outbox.append([
        { eventId: 'e-x', type: 'TemplateDeleted', aggregateType: 'Template', aggregateId: 'gone', aggregateVersion: 2, occurredAt: new Date(0).toISOString(), data: {} } as never,
      ]),
    );
    await otel.collect();

    const duration = otel.points('hostfactory.work.duration');
    expect(recordings(duration, { 'hostfactory.work.kind': 'command', 'hostfactory.work.name': 'RequestMachines', 'hostfactory.outcome': 'success' })).toBe(2);
    expect(recordings(duration, { 'hostfactory.work.name': 'Rename', 'hostfactory.outcome': 'failure', 'error.type': 'VALIDATION_FAILED' })).toBe(1);
    expect(recordings(duration, { 'hostfactory.work.name': 'Rename', 'hostfactory.outcome': 'success' })).toBe(1);
    expect(recordings(duration, { 'hostfactory.work.kind': 'provider', 'hostfactory.work.name': 'provision', 'hostfactory.outcome': 'success' })).toBe(2);
    expect(recordings(duration, { 'hostfactory.work.kind': 'projection', 'hostfactory.outcome': 'success' })).toBeGreaterThan(0);
    expect(total(otel.points('hostfactory.conflicts'), { 'hostfactory.work.name': 'Rename', 'hostfactory.conflict.stage': 'command' })).toBe(1);
    expect(total(otel.points('hostfactory.retries'), { 'hostfactory.work.name': 'Rename', 'error.type': 'CONCURRENCY_CONFLICT' })).toBe(1);
    expect(total(otel.points('hostfactory.validation.failures'), { 'hostfactory.work.kind': 'command', 'hostfactory.work.name': 'Rename' })).toBe(1);
    expect(total(otel.points('hostfactory.provider.errors'), { 'hostfactory.provider.operation': 'provision', 'error.type': 'PROVIDER_ERROR' })).toBe(1);
    const lag = otel.points('hostfactory.projection.lag');
    expect(lag.length).toBeGreaterThan(0);
    for (const point of lag) expect(point.value).toBe(1);
  });

  it('count a command the validation middleware refused, in a plain kernel', async () => {
    otel = telemetry();
    const kernel = createKernel({ instrumentation: otel.instrumentation });
    kernel.commands.register(Rename, { handle: async () => undefined });
    await kernel.commands.execute(Object.assign(new Rename(), { name: '' })).catch(() => undefined);
    await otel.collect();
    expect(total(otel.points('hostfactory.validation.failures'))).toBe(1);
    kernel.dispose();
  });
});
