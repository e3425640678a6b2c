import { afterEach, describe, expect, it } from 'vitest';
import { GetRequest } from '../../src/application/requests/request.queries';
import { ListMachines } from '../../src/application/machines/machine.queries';
import { ListTemplates } from '../../src/application/templates/template.queries';
import { RequestMachines } from '../../src/application/requests/request.commands';
import type { TestHostFactory } from '../../src/testing';
import { rejection, request, status, sync, withTemplate } from './support';

let hf: TestHostFactory;
afterEach(() => hf?.dispose());

describe('RequestMachines and SyncRequest', () => {
  it('completes when every machine comes up', async () => {
    hf = await withTemplate();
    const requestId = await request(hf, 3);
    expect(requestId).toMatch(/^req-[0-9a-f-]{36}$/);
    const before = await status(hf, requestId);
    expect(before.status).toBe('in_progress');
    expect(before.machines.map((m) => m.result)).toEqual(['executing', 'executing', 'executing']);
    const after = await sync(hf, requestId);
    expect(after.status).toBe('completed');
    expect(after.machines.map((m) => [m.status, m.result])).toEqual([
      ['running', 'succeed'],
      ['running', 'succeed'],
      ['running', 'succeed'],
    ]);
    expect(after.machines.every((m) => m.name !== null && m.privateIpAddress !== null)).toBe(true);
  });

  it('ends partial when some machines fail, with each failure explained', async () => {
    hf = await withTemplate();
    hf.fake!.script({ templateId: 'small' }, { fail: { machineIndexes: [1], message: 'InsufficientInstanceCapacity in us-east-1a' } });
    const requestId = await request(hf, 3);
    const result = await sync(hf, requestId);
    expect(result.status).toBe('partial');
    const failed = result.machines.filter((m) => m.result === 'fail');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.message).toContain('InsufficientInstanceCapacity');
    expect(result.statusMessage).toMatch(/2 of 3/);
  });

  it('ends failed when no machine comes up', async () => {
    hf = await withTemplate();
    hf.fake!.script({ templateId: 'small' }, { fail: { message: 'quota exceeded' } });
    const requestId = await request(hf, 2);
    expect((await sync(hf, requestId)).status).toBe('failed');
  });

  it('follows machines that arrive over several syncs', async () => {
    hf = await withTemplate();
    hf.fake!.script({ templateId: 'small' }, { bootAfterSyncs: 3 });
    const requestId = await request(hf, 2);
    expect((await sync(hf, requestId)).status).toBe('in_progress');
    expect((await sync(hf, requestId)).status).toBe('in_progress');
    const done = await sync(hf, requestId);
    expect(done.status).toBe('completed');
    expect(done.machines).toHaveLength(2);
  });

  it('times out at the deadline and keeps the machines that came up', async () => {
    hf = await withTemplate();
    hf.fake!.script({ templateId: 'small' }, { bootAfterSyncs: 1000 });
    const requestId = await request(hf, 2, 'small', { timeoutSeconds: 60 });
    hf.advance({ seconds: 61 });
    const result = await sync(hf, requestId);
    expect(result.status).toBe('timeout');
    expect(result.machines).toHaveLength(2);
  });

  it('answers a terminal request without calling the provider', async () => {
    hf = await withTemplate();
    const requestId = await request(hf, 1);
    await sync(hf, requestId);
    const describes = hf.fake!.callsTo('describe').length;
    await sync(hf, requestId);
    expect(hf.fake!.callsTo('describe')).toHaveLength(describes);
  });

  it('rejects an unknown template and writes nothing', async () => {
    hf = await withTemplate();
    const before = await hf.storage.eventLog.head();
    const error = await rejection(request(hf, 1, 'nope'));
    expect(error.code).toBe('TEMPLATE_NOT_FOUND');
    expect(error.message).toContain('nope');
    expect(await hf.storage.eventLog.head()).toBe(before);
    expect(hf.fake!.callsTo('provision')).toHaveLength(0);
  });

  it('rejects an inactive template', async () => {
    hf = await withTemplate({ active: false });
    expect((await rejection(request(hf, 1))).code).toBe('TEMPLATE_INACTIVE');
  });

  it('rejects bad input before anything runs', async () => {
    hf = await withTemplate();
    for (const machineCount of [0, -1, 1.5, '3']) {
      const error = await rejection((async () => hf.commands.execute(RequestMachines.from({ templateId: 'small', machineCount })))());
      expect(error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('keeps the read models in step (read-your-writes)', async () => {
    hf = await withTemplate();
    const requestId = await request(hf, 2);
    const dto = await hf.queries.execute(GetRequest.from({ requestId }));
    expect(dto.machineIds).toHaveLength(2);
    const machines = await hf.queries.execute(ListMachines.from({ requestId }));
    expect(machines.total).toBe(2);
    expect((await hf.queries.execute(ListTemplates.from({})))[0]?.availableNumber).toBe(8);
  });
});

describe('capacity', () => {
  it('refuses any machine when maxNumber is 0', async () => {
    hf = await withTemplate({ maxNumber: 0 });
    const error = await rejection(request(hf, 1));
    expect(error.code).toBe('TEMPLATE_CAPACITY_EXCEEDED');
  });

  it('treats -1 as unlimited up to the per-request limit', async () => {
    hf = await withTemplate({ maxNumber: -1 });
    await request(hf, 100);
    expect((await rejection(request(hf, 101))).code).toBe('TEMPLATE_CAPACITY_EXCEEDED');
  });

  it('admits up to the exact limit and refuses one more, counting open requests', async () => {
    hf = await withTemplate({ maxNumber: 5 });
    hf.fake!.script({ templateId: 'small' }, { bootAfterSyncs: 100 });
    await request(hf, 3);
    await request(hf, 2);
    const error = await rejection(request(hf, 1));
    expect(error.code).toBe('TEMPLATE_CAPACITY_EXCEEDED');
    expect(error.message).toContain('small');
  });

  it('applies the host factory\'s limits.maxPerRequest, not the default, to each request', async () => {
    hf = await withTemplate({ maxNumber: -1 }, { limits: { maxPerRequest: 2 } });
    const error = await rejection(request(hf, 3));
    expect(error.code).toBe('TEMPLATE_CAPACITY_EXCEEDED');
    expect(error.details).toMatchObject({ limit: 'per-request' });
    await expect(request(hf, 2)).resolves.toMatch(/^req-/);
  });

  it('keeps the priority a request was made with, and none when it had none', async () => {
    hf = await withTemplate();
    const withPriority = await request(hf, 1, 'small', { priority: 7 });
    const without = await request(hf, 1);
    expect((await status(hf, withPriority)).priority).toBe(7);
    expect((await status(hf, without)).priority).toBeNull();
  });

  it('frees capacity when machines fail', async () => {
    hf = await withTemplate({ maxNumber: 2 });
    hf.fake!.script({ templateId: 'small' }, { fail: { message: 'no capacity' } });
    const first = await request(hf, 2);
    await sync(hf, first);
    await expect(request(hf, 2)).resolves.toMatch(/^req-/);
  });

  it('counts spot templates in weighted units', async () => {
    hf = await withTemplate({ templateId: 'spot', priceType: 'spot', vmType: undefined, vmTypes: { 'm5.large': 2, 'm5.xlarge': 4 }, maxNumber: 8 });
    hf.fake!.script({ templateId: 'spot' }, { instanceTypes: ['m5.xlarge'] });
    const requestId = await request(hf, 8, 'spot');
    const result = await sync(hf, requestId);
    expect(result.status).toBe('completed');
    expect(result.machines).toHaveLength(2);
    expect((await rejection(request(hf, 1, 'spot'))).code).toBe('TEMPLATE_CAPACITY_EXCEEDED');
  });

  // Regression (issue 25, item 6): a weight-3 template advertised the units left, and a request of
  // that many (rounded up to whole machines) was refused.
  it('advertises as availableNumber exactly the largest request it then accepts, on weighted templates too', async () => {
    const cases = [
      { vmTypes: { 'c5.xlarge': 3 }, maxNumber: 10, expected: 9 },
      { vmTypes: { 'c5.xlarge': 3 }, maxNumber: 2, expected: 0 },
      { vmTypes: { 'c5.large': 2, 'c5.xlarge': 3 }, maxNumber: 11, expected: 9 },
      { vmTypes: { 'c5.large': 1 }, maxNumber: 7, expected: 7 },
    ];
    for (const { vmTypes, maxNumber, expected } of cases) {
      hf?.dispose();
      hf = await withTemplate({ templateId: 'spot', priceType: 'spot', vmType: undefined, vmTypes, maxNumber });
      const advertised = (await hf.queries.execute(ListTemplates.from({})))[0]!.availableNumber;
      expect(advertised, JSON.stringify(vmTypes)).toBe(expected);
      expect((await rejection(request(hf, advertised + 1, 'spot'))).code).toBe('TEMPLATE_CAPACITY_EXCEEDED');
      if (advertised > 0) await expect(request(hf, advertised, 'spot')).resolves.toMatch(/^req-/);
    }
  });
});

describe('idempotency', () => {
  it('answers a repeated key with the first request and provisions once', async () => {
    hf = await withTemplate();
    const first = await request(hf, 2, 'small', { idempotencyKey: 'job-42' });
    const second = await request(hf, 2, 'small', { idempotencyKey: 'job-42' });
    expect(second).toBe(first);
    expect(hf.fake!.callsTo('provision')).toHaveLength(1);
  });

  it('provisions once when two identical calls race', async () => {
    hf = await withTemplate();
    const [a, b] = await Promise.all([
      request(hf, 2, 'small', { idempotencyKey: 'race' }),
      request(hf, 2, 'small', { idempotencyKey: 'race' }),
    ]);
    expect(a).toBe(b);
    expect(hf.fake!.callsTo('provision')).toHaveLength(1);
  });
});

describe('provider failures', () => {
  it('persists a failed request when provision throws and rejects with PROVIDER_ERROR naming it', async () => {
    hf = await withTemplate();
    hf.fake!.script({ templateId: 'small' }, { capacityError: 'InsufficientInstanceCapacity: no t3.small in us-east-1' });
    const error = await rejection(request(hf, 2));
    expect(error.code).toBe('PROVIDER_ERROR');
    const requestId = error.details?.requestId as string;
    expect(requestId).toMatch(/^req-/);
    const stored = await status(hf, requestId);
    expect(stored.status).toBe('failed');
    expect(stored.statusMessage).toContain('InsufficientInstanceCapacity');
    expect((await hf.queries.execute(ListTemplates.from({})))[0]?.availableNumber).toBe(10);
  });

  it('keeps the request and applies the deadline when describe throws', async () => {
    hf = await withTemplate();
    const requestId = await request(hf, 1, 'small', { timeoutSeconds: 30 });
    hf.fake!.script({ requestId }, { throwAt: { describe: 'API throttled' } });
    const first = await rejection(sync(hf, requestId));
    expect(first.code).toBe('PROVIDER_ERROR');
    expect((await status(hf, requestId)).status).toBe('in_progress');
    hf.advance({ seconds: 31 });
    await rejection(sync(hf, requestId));
    expect((await status(hf, requestId)).status).toBe('timeout');
  });

  it('fails a hanging provider call with TIMEOUT', async () => {
    hf = await withTemplate({}, { limits: { providerTimeoutMs: 50 } });
    hf.fake!.script({ templateId: 'small' }, { hangAt: { provision: true } });
    const error = await rejection(request(hf, 1));
    expect(error.code).toBe('TIMEOUT');
    hf.fake!.release();
  });
});

describe('concurrency', () => {
  it('gives two concurrent syncs of one request one consistent result, losing no machine', async () => {
    hf = await withTemplate();
    hf.fake!.script({ templateId: 'small' }, { bootAfterSyncs: 2 });
    const requestId = await request(hf, 4);
    await Promise.all([sync(hf, requestId), sync(hf, requestId)]);
    await Promise.all([sync(hf, requestId), sync(hf, requestId)]);
    const result = await sync(hf, requestId);
    expect(result.status).toBe('completed');
    expect(new Set(result.machineIds).size).toBe(4);
    expect(result.machines).toHaveLength(4);
  });
});

describe('regressions', () => {
  it('records a provision result again on a conflict instead of re-running the command (regression: a second request was admitted)', async () => {
    const { createInMemoryStorage } = await import('../../src/testing');
    const { ConcurrencyConflictError } = await import('../../src/index');
    const memory = createInMemoryStorage();
    let transactions = 0;
    let conflictAt = -1;
    const storage = {
      ...memory,
      unitOfWork: {
        transaction: <T>(work: Parameters<typeof memory.unitOfWork.transaction<T>>[0]) => {
          transactions += 1;
          if (transactions === conflictAt) return Promise.reject(new ConcurrencyConflictError('Request', 'x', 1, 2));
          return memory.unitOfWork.transaction(work);
        },
      },
    };
    hf = await withTemplate({}, { storage });
    conflictAt = transactions + 2; // admit, then the first record attempt
    const requestId = await request(hf, 2);
    expect(hf.fake!.callsTo('provision')).toHaveLength(1);
    const page = await hf.queries.execute((await import('../../src/index')).ListRequests.from({}));
    expect(page.items.map((r) => r.requestId)).toEqual([requestId]);
    expect((await status(hf, requestId)).machines).toHaveLength(2);
  });
});
