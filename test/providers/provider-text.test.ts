import { describe, expect, it } from 'vitest';
import { normaliseMachine, normaliseProviderAnswer } from '../../src/application/provider/provider-text';
import type { ProviderMachine } from '../../src/application/provider/provider.port';
import { REPLACEMENT_CHARACTER as U, TRUNCATION_MARKER } from '../../src/domain/shared/text';

const report = (extra: Record<string, unknown> = {}): ProviderMachine => ({ machineId: 'i-1', status: 'running', ...extra }) as unknown as ProviderMachine;

describe('normaliseMachine', () => {
  it('adds no key a report leaves out', () => {
    expect(normaliseMachine(report())).toStrictEqual({ machineId: 'i-1', status: 'running' });
  });

  it('leaves tags, addresses and values of the wrong type as they are, for the domain to refuse', () => {
    const odd = report({ instanceTags: null, privateIpAddress: 42, publicIpAddress: null });
    expect(normaliseMachine(odd)).toStrictEqual({ machineId: 'i-1', status: 'running', instanceTags: null, privateIpAddress: 42, publicIpAddress: null });
    expect(normaliseMachine(report({ instanceTags: 'env=prod' })).instanceTags).toBe('env=prod');
    expect(normaliseMachine(report({ instanceTags: 7 })).instanceTags).toBe(7);
  });

  it('normalises tag keys and values, dropping an empty key', () => {
    expect(normaliseMachine(report({ instanceTags: { 'e\u0000nv': 'pr\u0000od', '': 'nothing' } })).instanceTags).toStrictEqual({ [`e${U}nv`]: `pr${U}od` });
  });
});

describe('normaliseProviderAnswer', () => {
  it('passes a describe answer\'s reports that are not objects through', () => {
    expect(normaliseProviderAnswer('describe', [null, 'i-1', report({ name: 'h\u0000' })])).toStrictEqual([null, 'i-1', { machineId: 'i-1', status: 'running', name: `h${U}` }]);
  });

  it('passes a provision or terminate answer that is not an object through', () => {
    for (const operation of ['provision', 'terminate']) {
      expect(normaliseProviderAnswer(operation, null)).toBeNull();
      expect(normaliseProviderAnswer(operation, 'started')).toBe('started');
    }
  });

  it('drops blank resource ids of a provision answer and keeps ids of the wrong type for the domain to refuse', () => {
    expect(normaliseProviderAnswer('provision', { resourceIds: [42, ' ', '', 'fleet-1'], machines: [] })).toStrictEqual({ resourceIds: [42, 'fleet-1'], machines: [] });
  });

  it('normalises the failures of a terminate answer and passes those that are not objects through', () => {
    const answer = normaliseProviderAnswer('terminate', { accepted: [], failed: [null, 'i-2', { machineId: 'i-3', message: 'no\u0000pe' }] });
    expect(answer).toStrictEqual({ accepted: [], failed: [null, 'i-2', { machineId: 'i-3', message: `no${U}pe` }] });
  });

  it('normalises the name and reason of reclaim notices, adds neither when absent, and passes notices that are not objects through', () => {
    const answer = normaliseProviderAnswer('reclaimNotices', [
      { machineId: 'i-1', gracePeriod: 120, name: 'h\u0000ost', reason: 'spot\u0000 reclaimed' },
      { machineId: 'i-2', gracePeriod: 120, reason: 'spot reclaimed' },
      { machineId: 'i-3', gracePeriod: 120, name: null },
      null,
      'i-4',
    ]);
    expect(answer).toStrictEqual([
      { machineId: 'i-1', gracePeriod: 120, name: `h${U}ost`, reason: `spot${U} reclaimed` },
      { machineId: 'i-2', gracePeriod: 120, reason: 'spot reclaimed' },
      { machineId: 'i-3', gracePeriod: 120, name: null },
      null,
      'i-4',
    ]);
  });

  it('cuts a reclaim notice\'s reason at the reason limit (1,000), not the name limit', () => {
    const [notice] = normaliseProviderAnswer('reclaimNotices', [{ machineId: 'i-1', gracePeriod: 0, reason: 'r'.repeat(1200) }]) as { reason: string }[];
    expect(notice!.reason).toBe(`${'r'.repeat(999)}${TRUNCATION_MARKER}`);
  });

  it('passes the answer of any other operation through unchanged', () => {
    const answer = { machineIds: ['i-\u0000'] };
    expect(normaliseProviderAnswer('cancelProvision', answer)).toBe(answer);
  });
});
