import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatRequestMachinesInput, parseRequestMachinesInput } from '../../src/hostfactory';
import { createSiteWithTemplates, schemaErrors, type Site } from './support';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('rc_account and userData of requestMachines (IBM\'s plug-ins send both at the top level)', () => {
  let site: Site;
  beforeEach(async () => {
    site = await createSiteWithTemplates();
  });
  afterEach(() => site.close());

  it('stores them on the request, passes them to provision, and answers rcAccount on every machine', async () => {
    const input = { template: { templateId: 'Grid-OnDemand', machineCount: 2 }, rc_account: 'proj-42', userData: { LSF_JOB: '1234', PRIORITY: 3 } };
    expect(schemaErrors('requestMachines.input', input)).toEqual([]);
    const created = await site.run('requestMachines', input);
    expect(created.exitCode, created.stdout).toBe(0);
    const [call] = site.fake.callsTo('provision');
    expect(call!.input).toMatchObject({ rcAccount: 'proj-42', userData: { LSF_JOB: '1234', PRIORITY: 3 } });
    const status = await site.run('getRequestStatus', { requests: [{ requestId: created.document.requestId }] });
    expect(schemaErrors('getRequestStatus.output', status.document)).toEqual([]);
    const machines = (status.document.requests as Doc[])[0]!.machines as Doc[];
    expect(machines.length).toBe(2);
    expect(machines.every((m) => m.rcAccount === 'proj-42')).toBe(true);
  });

  it('answers no rcAccount and passes neither field when the request has none', async () => {
    const created = await site.run('requestMachines', { template: { templateId: 'Grid-OnDemand', machineCount: 1 } });
    const [call] = site.fake.callsTo('provision');
    expect(Object.keys(call!.input)).not.toContain('rcAccount');
    expect(Object.keys(call!.input)).not.toContain('userData');
    const status = await site.run('getRequestStatus', { requests: [{ requestId: created.document.requestId }] });
    expect(((status.document.requests as Doc[])[0]!.machines as Doc[]).every((m) => !('rcAccount' in m))).toBe(true);
  });

  it('accepts a string userData and round-trips both fields through the canonical input', () => {
    const command = parseRequestMachinesInput({ template: { templateId: 'Grid-OnDemand', machineCount: 1 }, rc_account: 'default', userData: 'zone=us_west_2a' });
    expect(formatRequestMachinesInput(command)).toEqual({ template: { templateId: 'Grid-OnDemand', machineCount: 1 }, rc_account: 'default', userData: 'zone=us_west_2a' });
  });

  it('refuses a bad rc_account or userData with the field and the fix, creating nothing and quoting no value', async () => {
    const cases: [unknown, unknown, RegExp][] = [
      [42, undefined, /rc_account: must be a string of 1 to 128 letters/],
      ['has space;rm -rf', undefined, /rc_account: must be a string of 1 to 128 letters.*got a string of 16 characters/],
      ['x'.repeat(129), undefined, /rc_account: must be a string of 1 to 128/],
      [undefined, ['a'], /userData: must be an object of named values or a string, got an array/],
      [undefined, 7, /userData: must be an object of named values or a string, got a number/],
      [undefined, { 'bad-key;$(x)': '1' }, /userData: keys must be names of 1 to 64 letters/],
      [undefined, { BLOB: 'y'.repeat(20_000) }, /userData: must be at most 16384 bytes as JSON, got 20\d\d\d: pass large data by reference/],
    ];
    for (const [rc_account, userData, pattern] of cases) {
      const refused = await site.run('requestMachines', { template: { templateId: 'Grid-OnDemand', machineCount: 1 }, rc_account, userData });
      expect(refused.exitCode, refused.stdout).toBe(1);
      expect(String(refused.document.message)).toMatch(pattern);
      expect(refused.stdout).not.toMatch(/rm -rf|\$\(x\)|yyyy/);
    }
    expect(site.fake.callsTo('provision')).toEqual([]);
  });
});
