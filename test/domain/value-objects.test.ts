import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConcurrencyConflictError, DOMAIN_ERROR_CODES, InvalidRequestStateTransitionError, MachineNotFoundError, ProviderError, RequestNotFoundError, TemplateAlreadyExistsError, TemplateCapacityExceededError, TemplateInUseError, TemplateInactiveError, TemplateNotFoundError, InvalidMachineStateTransitionError } from '../../src/domain/shared/errors';
import { formatTags, isWireSafe, parseTags } from '../../src/domain/shared/tags';
import { newRequestId, parseMachineId, parseRequestId, parseTemplateId } from '../../src/domain/shared/ids';
import { parseIpAddress } from '../../src/domain/shared/ip-address';
import { numericAttribute, parseTemplateAttributes } from '../../src/domain/template/template-attributes';
import { randomIds, systemClock } from '../../src/domain/shared/ports';
import { KernelError, isKernelError } from '../../src/kernel/errors';
import { SchemaVersionUnsupportedError } from '../../src/domain/shared/upcasting';
import { sequentialIds } from './support/context';
import { issuePaths, refusal } from './support/given';

const UUID = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('RequestId', () => {
  it('is generated as req-/ret- plus a lower-case UUID v4', () => {
    expect(newRequestId('acquire', sequentialIds())).toBe('req-00000000-0000-4000-8000-000000000001');
    expect(newRequestId('return', randomIds)).toMatch(/^ret-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('refuses a generator that breaks its contract', () => {
    expect(issuePaths(() => newRequestId('acquire', { uuid: () => UUID.toUpperCase() }))).toEqual(['uuid']);
    // A boxed string reads as the UUID once coerced, but is not the string the contract promises.
    expect(issuePaths(() => newRequestId('acquire', { uuid: () => new String(UUID) as string }))).toEqual(['uuid']);
  });

  it.each([`req-${UUID}`, `ret-${UUID}`])('parses %s', (id) => {
    expect(parseRequestId(id)).toBe(id);
  });

  it.each([
    ['an upper-case uuid', `req-${UUID.toUpperCase()}`],
    ['another prefix', `abc-${UUID}`],
    ['no prefix', UUID],
    ['a v1 uuid', 'req-0f8fad5b-d9cb-169f-a165-70867728950e'],
    ['a number', 42],
    ['nothing', undefined],
  ])('refuses %s, naming the field', (_what, value) => {
    expect(issuePaths(() => parseRequestId(value, undefined, 'requests[0].requestId'))).toEqual(['requests[0].requestId']);
  });

  it('checks the type when asked', () => {
    expect(issuePaths(() => parseRequestId(`req-${UUID}`, 'return'))).toEqual(['requestId']);
  });

  it('says which shape it wanted, with the prefix asked for, and refuses a malformed id of a type as VALIDATION_FAILED', () => {
    expect(refusal(() => parseRequestId(`req-${UUID}`, 'return'))).toEqual({
      subject: 'request id',
      issues: [{ path: 'requestId', constraint: 'isRequestId', message: `must be \`ret-<uuid>\` with a lower-case UUID v4, got a string of 40 characters` }],
    });
    expect(refusal(() => parseRequestId('nope', 'acquire')).issues).toEqual([
      { path: 'requestId', constraint: 'isRequestId', message: 'must be `req-<uuid>` with a lower-case UUID v4, got a string of 4 characters' },
    ]);
    expect(refusal(() => parseRequestId('nope')).issues[0]!.message).toBe('must be `req-<uuid>` or `ret-<uuid>` with a lower-case UUID v4, got a string of 4 characters');
    expect(refusal(() => newRequestId('acquire', { uuid: () => 'x' }))).toEqual({
      subject: 'generated id',
      issues: [{ path: 'uuid', constraint: 'isUuidV4', message: 'the id generator returned a string of 1 character, not a lower-case UUID v4' }],
    });
  });
});

describe('TemplateId and MachineId', () => {
  it.each(['a', 'OnDemand-Small', 'x_1', 'A'.repeat(64)])('accepts template id %s', (id) => {
    expect(parseTemplateId(id)).toBe(id);
  });

  it.each(['', 'A'.repeat(65), 'has space', 'dot.ted', 7])('refuses template id %s', (id) => {
    expect(issuePaths(() => parseTemplateId(id))).toEqual(['templateId']);
  });

  it.each(['', ' i-1', 'x'.repeat(257), null])('refuses machine id %s', (id) => {
    expect(issuePaths(() => parseMachineId(id))).toEqual(['machineId']);
  });

  it('names the rule a refused id breaks: storable text with its reason, or the id shape', () => {
    const { subject, issues: [unstorable] } = refusal(() => parseMachineId('i-1\0'));
    expect(subject).toBe('machine id');
    expect(unstorable).toMatchObject({ path: 'machineId', constraint: 'storableText' });
    expect(unstorable!.message).toMatch(/^must be the provider's instance id \(1-256 characters, no surrounding blanks; it .+\), got /);
    expect(refusal(() => parseMachineId(' i-1')).issues).toEqual([
      { path: 'machineId', constraint: 'isMachineId', message: `must be the provider's instance id (1-256 characters, no surrounding blanks), got a string of 4 characters` },
    ]);
    expect(refusal(() => parseTemplateId('dot.ted'))).toEqual({
      subject: 'template id',
      issues: [{ path: 'templateId', constraint: 'isTemplateId', message: 'must be 1-64 characters of 0-9 A-Z a-z - _, got a string of 7 characters' }],
    });
  });
});

describe('Tags', () => {
  it('parses the wire form and formats it back', () => {
    const tags = parseTags('team=grid; env = test;;url=a=b');
    expect(tags).toEqual({ team: 'grid', env: 'test', url: 'a=b' });
    expect(formatTags(tags)).toBe('team=grid;env=test;url=a=b');
    expect(parseTags('')).toEqual({});
  });

  it('accepts a map', () => {
    expect(parseTags({ a: '1' }, 'instanceTags')).toEqual({ a: '1' });
  });

  it('enforces key and value lengths and reports every bad entry', () => {
    expect(parseTags({ ['k'.repeat(128)]: 'v'.repeat(256) })).toBeDefined();
    expect(issuePaths(() => parseTags(`=v;${'k'.repeat(129)}=v;ok=${'v'.repeat(257)};bad;ok=again`, 'instanceTags'))).toEqual([
      'instanceTags[0]',
      `instanceTags.${'k'.repeat(129)}`,
      'instanceTags.ok',
      'instanceTags[3]',
    ]);
    expect(issuePaths(() => parseTags({ a: 1 }))).toEqual(['tags.a']);
    expect(issuePaths(() => parseTags(5))).toEqual(['tags']);
  });

  it('refuses a key given twice (after trimming), and knows which tags survive the wire form', () => {
    expect(refusal(() => parseTags('a=1; a =2')).issues).toEqual([{ path: 'tags.a', constraint: 'uniqueTagKey', message: expect.stringContaining('given twice') }]);
    expect(isWireSafe({ team: 'grid', url: 'a=b' })).toBe(true);
    for (const tags of [{ 'a=b': '1' }, { 'a;b': '1' }, { a: '1;2' }, { ' a': '1' }, { a: '1 ' }] as Record<string, string>[]) expect(isWireSafe(tags)).toBe(false);
  });
});

describe('IP address', () => {
  it.each(['10.0.57.22', '::1', '2001:db8::8a2e:370:7334'])('accepts %s', (ip) => {
    expect(parseIpAddress(ip)).toBe(ip);
  });

  it.each(['10.0.0.256', 'ip-10-0-0-1', '', '1.2.3', '01.2.3.4', ' 10.0.0.1', '1:2:3:4:5:6:7:8:9', '::1%:A'])('refuses %s', (ip) => {
    expect(issuePaths(() => parseIpAddress(ip, 'privateIpAddress'))).toEqual(['privateIpAddress']);
  });

  it.each(['fe80::1%eth0', '::ffff:10.0.0.1', 'FE80::A', '::'])('accepts %s', (ip) => {
    expect(parseIpAddress(ip)).toBe(ip);
  });

  it('gives the verdict of node:net isIP on every address without an IPv6 zone id', () => {
    const candidates = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), fc.string(), fc.stringMatching(/^[0-9a-fA-F:.]{1,40}$/));
    fc.assert(
      fc.property(candidates, (ip) => {
        let accepted = true;
        try {
          parseIpAddress(ip);
        } catch {
          accepted = false;
        }
        expect(accepted).toBe(isIP(ip) !== 0);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Template attributes', () => {
  it('normalises plain values to [kind, value] pairs', () => {
    expect(parseTemplateAttributes({ type: 'X86_64', ncpus: 2, nram: '4096', ncores: '1', gpu: 1 })).toEqual({
      type: ['String', 'X86_64'],
      ncpus: ['Numeric', '2'],
      nram: ['Numeric', '4096'],
      ncores: ['Numeric', '1'],
      gpu: ['Numeric', '1'],
    });
  });

  it('trims a plain numeric value, writes a numeric pair value as text, and reads numbers back', () => {
    const attributes = parseTemplateAttributes({ type: 'X86_64', ncpus: ' 2 ', nram: ['Numeric', 4096], zone: ['String', 'a'] });
    expect(attributes).toMatchObject({ ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] });
    expect(numericAttribute(attributes, 'nram')).toBe(4096);
    expect(numericAttribute(attributes, 'zone')).toBeUndefined();
    expect(numericAttribute(attributes, 'ncores')).toBeUndefined();
    expect(issuePaths(() => parseTemplateAttributes({ type: 'X86_64', ncpus: 1, nram: 1, x: ['String', 'a', 'b'] }))).toEqual(['attributes.x']);
  });

  it('refuses bad kinds, values and shapes', () => {
    expect(
      issuePaths(() => parseTemplateAttributes({ type: ['Text', 'x'], ncpus: ['Numeric', 'two'], nram: -1, x: true, y: ['String'] })),
    ).toEqual(['attributes.type', 'attributes.ncpus', 'attributes.x', 'attributes.y', 'attributes.nram']);
    expect(issuePaths(() => parseTemplateAttributes([]))).toEqual(['attributes']);
  });

  it('accepts IBM\'s Boolean kind ("0" or "1"), LSF\'s mem in place of or with nram, ncores and nthreads, keeping each pair as given', () => {
    const lsf = { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], mem: ['Numeric', '8192'], ncores: ['Numeric', '1'], nthreads: ['Numeric', '2'], awshost: ['Boolean', '1'], spot: ['Boolean', '0'] };
    expect(parseTemplateAttributes(lsf)).toEqual(lsf);
    expect(Object.keys(parseTemplateAttributes({ ...lsf, nram: ['Numeric', '8192'] }))).toContain('nram');
  });

  it('refuses a Boolean other than 0/1, a non-Numeric or non-positive mem/ncores/nthreads, and no memory attribute at all', () => {
    const base = { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], mem: ['Numeric', '8192'] };
    expect(issuePaths(() => parseTemplateAttributes({ ...base, awshost: ['Boolean', 'true'] }))).toEqual(['attributes.awshost']);
    expect(issuePaths(() => parseTemplateAttributes({ ...base, mem: ['String', '8192'], ncores: 0, nthreads: ['Numeric', '-1'] }))).toEqual(['attributes.mem', 'attributes.ncores', 'attributes.nthreads']);
    expect(issuePaths(() => parseTemplateAttributes({ type: 'X86_64', ncpus: 1 }))).toEqual(['attributes.nram']);
  });
});

describe('Ports', () => {
  it('reads the wall clock', () => {
    const before = Date.now();
    expect(systemClock.now().getTime()).toBeGreaterThanOrEqual(before);
  });
});

describe('Domain errors', () => {
  // Each error is made inside its test (a factory per row), so that mutation testing counts the test as covering its class.
  const errors: [string, () => KernelError, string, Record<string, unknown>][] = [
    ['TemplateNotFoundError', () => new TemplateNotFoundError('T1'), 'TEMPLATE_NOT_FOUND', { templateId: 'T1' }],
    ['TemplateAlreadyExistsError', () => new TemplateAlreadyExistsError('T1'), 'TEMPLATE_ALREADY_EXISTS', { templateId: 'T1' }],
    ['TemplateInactiveError', () => new TemplateInactiveError('T1'), 'TEMPLATE_INACTIVE', { templateId: 'T1' }],
    ['TemplateInUseError', () => new TemplateInUseError('T1', ['req-1']), 'TEMPLATE_IN_USE', { templateId: 'T1', openRequestIds: ['req-1'] }],
    ['TemplateCapacityExceededError', () => new TemplateCapacityExceededError('T1', 5, 2, 'template'), 'TEMPLATE_CAPACITY_EXCEEDED', { templateId: 'T1', requested: 5, available: 2 }],
    ['RequestNotFoundError', () => new RequestNotFoundError('req-1'), 'REQUEST_NOT_FOUND', { requestId: 'req-1' }],
    ['MachineNotFoundError', () => new MachineNotFoundError('i-1'), 'MACHINE_NOT_FOUND', { machine: 'i-1' }],
    ['InvalidRequestStateTransitionError', () => new InvalidRequestStateTransitionError('req-1', 'completed', 'failed', []), 'INVALID_REQUEST_STATE_TRANSITION', { from: 'completed', to: 'failed' }],
    ['InvalidMachineStateTransitionError', () => new InvalidMachineStateTransitionError('i-1', 'terminated', 'running', []), 'INVALID_MACHINE_STATE_TRANSITION', { from: 'terminated', to: 'running' }],
    ['ConcurrencyConflictError', () => new ConcurrencyConflictError('Request', 'req-1', 3, 4), 'CONCURRENCY_CONFLICT', { aggregateType: 'Request', id: 'req-1', expectedVersion: 3, actualVersion: 4 }],
    ['ProviderError', () => new ProviderError('RequestLimitExceeded', { requestId: 'req-1', cause: new Error('throttled') }), 'PROVIDER_ERROR', { requestId: 'req-1' }],
    ['SchemaVersionUnsupportedError', () => new SchemaVersionUnsupportedError('snapshot', 'Request', 3, 2, 1), 'SCHEMA_VERSION_UNSUPPORTED', { type: 'Request', storedVersion: 3, supportedVersion: 2 }],
  ];

  it('has one class per domain code', () => {
    expect(errors.map(([, , code]) => code).sort()).toEqual([...DOMAIN_ERROR_CODES].sort());
  });

  it.each(errors)('%s carries its code, its values and a message naming them', (_name, make, code, details) => {
    const error = make();
    expect(isKernelError(error, code)).toBe(true);
    expect(error.details).toMatchObject(details);
    for (const value of Object.values(details)) {
      for (const part of [value].flat()) expect(error.message).toContain(String(part));
    }
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ code, details });
  });

  it("keeps the provider's cause", () => {
    const cause = new Error('throttled');
    expect(new ProviderError('failed', { cause }).cause).toBe(cause);
  });
});

describe('tags at their edges', () => {
  it('reads null as no tags, skips blank entries, and names an empty key as too short', () => {
    expect(parseTags(null)).toEqual({});
    expect(parseTags('a=1; ')).toEqual({ a: '1' });
    const error = (() => {
      try {
        parseTags('=v');
      } catch (e) {
        return e as { issues?: { constraint: string }[] };
      }
      return undefined;
    })();
    expect(error?.issues?.[0]?.constraint).toBe('tagKeyLength');
  });

  it('calls tags wire-safe only when every key and value is', () => {
    expect(isWireSafe({})).toBe(true);
    expect(isWireSafe({ a: '1', 'b;': '2' })).toBe(false);
  });
});

describe('IP addresses', () => {
  it('refuses a malformed address as an IP address, under ipAddress unless told another field', () => {
    try {
      parseIpAddress('nope');
      expect.unreachable('parseIpAddress accepted "nope"');
    } catch (error) {
      expect((error as Error).message).toMatch(/^Invalid IP address/);
      expect((error as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['ipAddress']);
    }
  });
});
