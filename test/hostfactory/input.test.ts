import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import {
  formatGetAvailableTemplatesInput,
  formatGetRequestStatusInput,
  formatGetReturnRequestsInput,
  formatRequestMachinesInput,
  formatRequestReturnMachinesInput,
  HOSTFACTORY_INPUT_LIMITS,
  parseGetAvailableTemplatesInput,
  parseGetRequestStatusInput,
  parseGetReturnRequestsInput,
  parseRequestMachinesInput,
  parseRequestReturnMachinesInput,
  parseTemplatesFile,
} from '../../src/hostfactory';
import { isKernelError, type ValidationError } from '../../src/kernel';
import { fixture, schemaErrors } from './support';

/** The issue paths of the VALIDATION_FAILED `parse(input)` throws. */
function paths(parse: (input: unknown) => unknown, input: unknown): string[] {
  try {
    parse(input);
  } catch (error) {
    expect(isKernelError(error, 'VALIDATION_FAILED')).toBe(true);
    return (error as ValidationError).issues.map((i) => i.path);
  }
  throw new Error('expected VALIDATION_FAILED');
}

describe('requestMachines input', () => {
  it('accepts the nested and the flat variant alike', () => {
    const nested = parseRequestMachinesInput(fixture('requestMachines.input.json'));
    const flat = parseRequestMachinesInput(fixture('requestMachines.flat.input.json'));
    expect({ ...nested }).toEqual({ ...flat });
    expect(nested).toMatchObject({ templateId: 'Grid-OnDemand', machineCount: 3 });
  });

  it('round-trips: the parsed input re-formatted is the same document', () => {
    const document = fixture('requestMachines.input.json');
    expect(formatRequestMachinesInput(parseRequestMachinesInput(document))).toEqual(document);
    expect(schemaErrors('requestMachines.input', document)).toEqual([]);
    expect(schemaErrors('requestMachines.input', fixture('requestMachines.flat.input.json'))).toEqual([]);
  });

  it.each([0, -1, 1.5, '3', null, true, 10_001])('refuses machineCount %j at template.machineCount', (count) => {
    expect(paths(parseRequestMachinesInput, { template: { templateId: 'Grid-OnDemand', machineCount: count } })).toEqual(['template.machineCount']);
    expect(paths(parseRequestMachinesInput, { templateId: 'Grid-OnDemand', machineCount: count })).toEqual(['machineCount']);
    expect(schemaErrors('requestMachines.input', { template: { templateId: 'x', machineCount: count } })).not.toEqual([]);
  });

  it('reports every problem at once, with paths', () => {
    expect(paths(parseRequestMachinesInput, { template: {} })).toEqual(['template.templateId', 'template.machineCount']);
    expect(paths(parseRequestMachinesInput, { template: 'Grid-OnDemand' })).toEqual(['template']);
    expect(paths(parseRequestMachinesInput, [])).toEqual(['']);
    expect(paths(parseRequestMachinesInput, { template: { templateId: 'bad id!', machineCount: 1 } })).toEqual(['template.templateId']);
  });
});

describe('getRequestStatus input', () => {
  it('accepts an array or a single object, and round-trips', () => {
    const document = { requests: [{ requestId: 'req-a' }, { requestId: 'ret-b' }] };
    expect(parseGetRequestStatusInput(document).requestIds).toEqual(['req-a', 'ret-b']);
    expect(parseGetRequestStatusInput({ requests: { requestId: 'req-a' } }).requestIds).toEqual(['req-a']);
    expect(formatGetRequestStatusInput(parseGetRequestStatusInput(document))).toEqual(document);
    expect(schemaErrors('getRequestStatus.input', fixture('getRequestStatus.single.input.json'))).toEqual([]);
  });

  it('refuses wrong types with the path of each', () => {
    expect(paths(parseGetRequestStatusInput, { requests: [{ requestId: 'req-a' }, { requestId: 7 }, 'req-c'] })).toEqual(['requests[1].requestId', 'requests[2]']);
    expect(paths(parseGetRequestStatusInput, { requests: 'req-a' })).toEqual(['requests']);
    expect(paths(parseGetRequestStatusInput, {})).toEqual(['requests']);
    expect(paths(parseGetRequestStatusInput, { requests: [] })).toEqual(['requests']);
  });

  it(`refuses more than ${HOSTFACTORY_INPUT_LIMITS.maxRequests} ids`, () => {
    const requests = Array.from({ length: HOSTFACTORY_INPUT_LIMITS.maxRequests + 1 }, (_, i) => ({ requestId: `req-${i}` }));
    expect(paths(parseGetRequestStatusInput, { requests })).toEqual(['requests']);
  });
});

describe('requestReturnMachines input', () => {
  it('needs a name per machine, takes the machine id when given, and round-trips', () => {
    const document = { machines: [{ name: 'ip-10-0-0-1.fake.internal', machineId: 'i-fake0001' }, { name: 'ip-10-0-0-2.fake.internal' }] };
    const command = parseRequestReturnMachinesInput(document);
    expect(formatRequestReturnMachinesInput(command)).toEqual(document);
    expect(formatRequestReturnMachinesInput(parseRequestReturnMachinesInput(fixture('requestReturnMachines.input.json')))).toEqual(fixture('requestReturnMachines.input.json'));
    expect(parseRequestReturnMachinesInput({ machines: { name: 'h1' } }).machines).toHaveLength(1);
    expect(schemaErrors('requestReturnMachines.input', document)).toEqual([]);
  });

  it('refuses bad entries with their paths', () => {
    expect(paths(parseRequestReturnMachinesInput, { machines: [{ name: 'h1' }, { machineId: 'i-1' }, { name: '' }, 4] })).toEqual([
      'machines[1].name',
      'machines[2].name',
      'machines[3]',
    ]);
    expect(paths(parseRequestReturnMachinesInput, { machines: [] })).toEqual(['machines']);
    expect(paths(parseRequestReturnMachinesInput, {})).toEqual(['machines']);
    const machines = Array.from({ length: HOSTFACTORY_INPUT_LIMITS.maxMachines + 1 }, (_, i) => ({ name: `h${i}` }));
    expect(paths(parseRequestReturnMachinesInput, { machines })).toEqual(['machines']);
  });
});

describe('getReturnRequests and getAvailableTemplates input', () => {
  it('accept an empty or absent list, and round-trip', () => {
    expect(parseGetReturnRequestsInput({}).machines).toEqual([]);
    expect(parseGetReturnRequestsInput(undefined).machines).toEqual([]);
    const document = fixture('getReturnRequests.input.json');
    expect(formatGetReturnRequestsInput(parseGetReturnRequestsInput(document))).toEqual(document);
    expect(paths(parseGetReturnRequestsInput, { machines: [{ name: 5 }] })).toEqual(['machines[0].name']);
    expect(schemaErrors('getReturnRequests.input', document)).toEqual([]);
  });

  it('getAvailableTemplates takes {} or nothing and lists active templates with their configuration', () => {
    expect(parseGetAvailableTemplatesInput(undefined)).toMatchObject({ activeOnly: true, includeConfiguration: true });
    expect(formatGetAvailableTemplatesInput()).toEqual({});
    expect(paths(parseGetAvailableTemplatesInput, 'all')).toEqual(['']);
    expect(schemaErrors('getAvailableTemplates.input', {})).toEqual([]);
  });
});

describe('templates file', () => {
  it('accepts the fixture, a bare array and one template in the object form', () => {
    const file = fixture<{ templates: unknown[] }>('templates.json');
    expect(schemaErrors('templates.file', file)).toEqual([]);
    expect((parseTemplatesFile(file).document as { templates: unknown[] }).templates).toHaveLength(4);
    expect((parseTemplatesFile(file.templates).document as { templates: unknown[] }).templates).toHaveLength(4);
    expect((parseTemplatesFile({ templates: file.templates[0] }).document as { templates: unknown[] }).templates).toHaveLength(1);
    expect(parseTemplatesFile(file, { deactivateMissing: true }).deactivateMissing).toBe(true);
  });

  it('reports every bad template field and duplicate ids with their paths', () => {
    const file = fixture<{ templates: Record<string, unknown>[] }>('templates.json');
    const bad = { templates: [file.templates[0], { ...file.templates[1], maxNumber: -2, volumeType: 'gp9' }, { ...file.templates[0] }] };
    expect(paths(parseTemplatesFile, bad)).toEqual(['templates[1].maxNumber', 'templates[1].volumeType', 'templates[2].templateId']);
    expect(paths(parseTemplatesFile, { templates: 'none' })).toEqual(['templates']);
    expect(paths(parseTemplatesFile, [{ templateId: 'x' }])[0]).toMatch(/^\[0\]\./);
  });

  it("refuses a template wider than the kernel's key limit (1,000 keys in one object) at its path in the file", () => {
    const file = fixture<{ templates: Record<string, unknown>[] }>('templates.json');
    const template = file.templates[0] as Record<string, unknown>;
    const settings = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`setting${i}`, i]));
    const width = Object.keys(template).length + 1001;
    const issuesOf = (input: unknown) => {
      try {
        parseTemplatesFile(input);
      } catch (error) {
        expect(isKernelError(error, 'VALIDATION_FAILED')).toBe(true);
        return (error as ValidationError).issues;
      }
      throw new Error('expected VALIDATION_FAILED');
    };
    const limit = 'at most 1000 are accepted in one object';
    expect(issuesOf({ templates: [file.templates[1], { ...template, ...settings(1001) }] })).toEqual([
      { path: 'templates[1]', constraint: 'maxKeys', message: `templates[1] has ${width} keys; ${limit}` },
    ]);
    expect(issuesOf([{ ...template, providerConfig: settings(2000) }])).toEqual([
      { path: '[0].providerConfig', constraint: 'maxKeys', message: `[0].providerConfig has 2000 keys; ${limit}` },
    ]);
    expect((parseTemplatesFile({ templates: [{ ...template, providerConfig: settings(1000) }] }).document as { templates: unknown[] }).templates).toHaveLength(1);
  });
});
