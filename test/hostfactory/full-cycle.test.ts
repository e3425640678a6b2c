import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostFactorySchemaName } from '../../src/hostfactory';
import { createSiteWithTemplates, fixture, golden, schemaErrors, type Site } from './support';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('a Symphony cycle through the provider scripts', () => {
  let site: Site;
  beforeEach(async () => {
    site = await createSiteWithTemplates();
  });
  afterEach(() => site.close());

  /** Runs a script, checks exit 0 and the output schema, and returns the document. */
  async function ok(operation: string, input: unknown): Promise<Doc> {
    const { exitCode, document, stdout } = await site.run(operation, input);
    expect(stdout.trim().startsWith('{') && stdout.trim().endsWith('}')).toBe(true);
    expect(exitCode, JSON.stringify(document)).toBe(0);
    expect(schemaErrors(`${operation}.output` as HostFactorySchemaName, document)).toEqual([]);
    return document;
  }

  it('lists only active templates with availableNumber and every provider key', async () => {
    const document = await ok('getAvailableTemplates', {});
    golden('getAvailableTemplates.output.json', document);
    expect(document.templates.map((t: Doc) => t.templateId)).toEqual(['Grid-Off', 'Grid-OnDemand', 'Grid-Spot']);
    const spot = document.templates.find((t: Doc) => t.templateId === 'Grid-Spot');
    expect(spot).toMatchObject({ maxNumber: -1, availableNumber: 10000, fleetRole: expect.any(String), maxSpotPrice: 0.08, percentOnDemand: 10 });
    expect(spot.attributes.ncpus).toEqual(['Numeric', '4']);
  });

  it('acquires machines, reports them coming up, then a partial failure with per-machine messages', async () => {
    site.fake.script(
      { templateId: 'Grid-OnDemand' },
      { bootAfterSyncs: 2, fail: { machineIndexes: [2], message: 'InsufficientInstanceCapacity: no c5.large capacity left in eu-west-1b' } },
    );
    const created = await ok('requestMachines', fixture('requestMachines.input.json'));
    golden('requestMachines.output.json', created);
    const requestId: string = created.requestId;
    expect(requestId).toMatch(/^req-[0-9a-f-]{36}$/);

    const statuses: Doc[] = [];
    for (let poll = 0; poll < 5; poll += 1) {
      site.clock.advance({ seconds: 30 });
      const document = await ok('getRequestStatus', { requests: [{ requestId }] });
      statuses.push(document.requests[0]);
      if (document.requests[0].status !== 'running') {
        golden('getRequestStatus.output.json', document);
        break;
      }
      if (poll === 0) golden('getRequestStatus.running.output.json', document);
    }
    expect(statuses.map((s) => s.status)).toEqual(['running', 'complete_with_error']);
    expect(statuses[0]!.machines.map((m: Doc) => [m.status, m.result])).toEqual([
      ['pending', 'executing'],
      ['pending', 'executing'],
      ['pending', 'executing'],
    ]);
    const final = statuses[1]!;
    expect(final.message).toMatch(/2 of 3/);
    expect(final.machines.map((m: Doc) => [m.status, m.result])).toEqual([
      ['running', 'succeed'],
      ['running', 'succeed'],
      ['terminated', 'fail'],
    ]);
    expect(final.machines[2].message).toContain('InsufficientInstanceCapacity');
    expect(final.machines[0].launchtime).toBe(Math.floor(Date.parse('2026-03-02T08:00:00Z') / 1000));
  });

  it('completes a request whose machines all come up (running → complete)', async () => {
    const { requestId } = await ok('requestMachines', { templateId: 'Grid-Spot', machineCount: 2 });
    const first = await ok('getRequestStatus', { requests: { requestId } });
    expect(first.requests[0].status).toBe('complete');
    expect(first.requests[0].message).toBe('');
    expect(first.requests[0].machines.every((m: Doc) => m.result === 'succeed' && m.priceType === 'spot')).toBe(true);
    const listed = await ok('getAvailableTemplates', {});
    const spot = listed.templates.find((t: Doc) => t.templateId === 'Grid-Spot');
    expect(spot.availableNumber).toBe(9998);
    expect(spot.requestedMachines).toEqual(first.requests[0].machines.map((m: Doc) => m.name));
  });

  it('returns machines named by host name only and reports the ret- request until terminated/succeed', async () => {
    const { requestId } = await ok('requestMachines', fixture('requestMachines.input.json'));
    const acquired = await ok('getRequestStatus', { requests: [{ requestId }] });
    const names: string[] = acquired.requests[0].machines.map((m: Doc) => m.name);
    site.fake.script({ templateId: 'Grid-OnDemand' }, { terminateAfterSyncs: 1 });

    const input = { machines: [{ name: names[0] }, { name: names[1] }, { name: 'ip-10-9-9-9.gone.internal' }] };
    golden('requestReturnMachines.input.json', input);
    const returned = await ok('requestReturnMachines', input);
    golden('requestReturnMachines.output.json', returned);
    expect(returned.requestId).toMatch(/^ret-/);
    expect(returned.message).toContain('ip-10-9-9-9.gone.internal');

    const seen: string[][] = [];
    for (let poll = 0; poll < 5; poll += 1) {
      const document = await ok('getRequestStatus', { requests: [{ requestId: returned.requestId }] });
      const entry = document.requests[0];
      seen.push(entry.machines.map((m: Doc) => `${m.status}/${m.result}`));
      if (entry.status === 'complete') {
        golden('getRequestStatus.return.output.json', document);
        break;
      }
    }
    expect(seen).toEqual([
      ['shutting-down/executing', 'shutting-down/executing'],
      ['terminated/succeed', 'terminated/succeed'],
    ]);
    expect(site.fake.terminateCount(site.fake.machines()[0]!.machineId)).toBe(1);

    const again = await ok('requestReturnMachines', { machines: [{ name: names[2] }] });
    expect(again.requestId).not.toBe(returned.requestId);
  });

  it('lists a spot-interrupted host with its grace period in getReturnRequests', async () => {
    const { requestId } = await ok('requestMachines', { template: { templateId: 'Grid-Spot', machineCount: 1 } });
    const status = await ok('getRequestStatus', { requests: [{ requestId }] });
    const machine = status.requests[0].machines[0];
    expect(await ok('getReturnRequests', { machines: [{ name: machine.name, machineId: machine.machineId }] })).toMatchObject({ requests: [] });

    site.fake.reclaim(machine.machineId, { gracePeriod: 120, reason: 'spot interruption' });
    site.clock.advance({ seconds: 20 });
    const input = { machines: [{ name: machine.name, machineId: machine.machineId }] };
    golden('getReturnRequests.input.json', input);
    const document = await ok('getReturnRequests', input);
    golden('getReturnRequests.output.json', document);
    expect(document).toEqual({ status: 'complete', message: expect.any(String), requests: [{ machine: machine.name, gracePeriod: 100 }] });
  });

  it('answers an unknown id among known ones, and the known ones still succeed', async () => {
    const { requestId } = await ok('requestMachines', { templateId: 'Grid-OnDemand', machineCount: 1 });
    const document = await ok('getRequestStatus', { requests: [{ requestId: 'req-not-mine' }, { requestId }] });
    expect(document.requests.map((r: Doc) => [r.requestId, r.status])).toEqual([
      ['req-not-mine', 'complete_with_error'],
      [requestId, 'complete'],
    ]);
    expect(document.requests[0].message).toMatch(/not found/);
  });

  it('answers from stored state with the provider message when the sync fails', async () => {
    site.fake.script({ templateId: 'Grid-OnDemand' }, { bootAfterSyncs: 3 });
    const { requestId } = await ok('requestMachines', { templateId: 'Grid-OnDemand', machineCount: 2 });
    site.fake.script({ requestId }, { throwAt: { describe: 'RequestLimitExceeded: slow down' } });
    const document = await ok('getRequestStatus', { requests: [{ requestId }] });
    expect(document.requests[0]).toMatchObject({ requestId, status: 'running' });
    expect(document.requests[0].message).toContain('RequestLimitExceeded: slow down');
    expect(document.requests[0].machines).toHaveLength(2);
  });

  it('refuses a return when none of the named machines is active, creating nothing', async () => {
    const before = site.storage.snapshotCounts();
    const { exitCode, document } = await site.run('requestReturnMachines', { machines: [{ name: 'ip-10-1-1-1.nowhere.internal' }] });
    expect(exitCode).not.toBe(0);
    expect(document).toEqual({ message: expect.stringMatching(/^No active machines to return: ip-10-1-1-1\.nowhere\.internal/) });
    expect(schemaErrors('error.output', document)).toEqual([]);
    expect(site.storage.snapshotCounts()).toEqual(before);
    expect(site.fake.callsTo('terminate')).toHaveLength(0);
  });

  it('answers an unknown template with the error document of the fixtures', async () => {
    const { exitCode, document } = await site.run('requestMachines', { template: { templateId: 'Grid-Nope', machineCount: 1 } });
    expect(exitCode).toBe(1);
    golden('requestMachines.error.output.json', document);
  });
});
