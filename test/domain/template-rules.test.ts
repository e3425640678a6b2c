import { describe, expect, it } from 'vitest';
import { Template } from '../../src/domain/template/template';
import { parseTemplateDefinition } from '../../src/domain/template/template-definition';
import { aTemplate, spotTemplateInput, templateInput } from './support/builders';
import { ctxAt, T0 } from './support/context';
import { given, issuePaths, refusal } from './support/given';

const later = ctxAt(new Date(T0.getTime() + 60_000));
const pathsOf = (overrides: Record<string, unknown>) => issuePaths(() => parseTemplateDefinition(templateInput(overrides)));

describe('Template rules', () => {
  it('takes maxNumber from -1 (unlimited) to 10000 and nothing else', () => {
    expect(parseTemplateDefinition(templateInput({ maxNumber: -1 })).maxNumber).toBe(-1);
    expect(parseTemplateDefinition(templateInput({ maxNumber: 10_000 })).maxNumber).toBe(10_000);
    expect(pathsOf({ maxNumber: -2 })).toEqual(['maxNumber']);
    expect(pathsOf({ maxNumber: 2.5 })).toEqual(['maxNumber']);
  });

  it('takes subnetIds or subnetId, not both, as a list of non-blank strings kept once each', () => {
    expect(pathsOf({ subnetIds: ['subnet-1'], subnetId: 'subnet-2' })).toEqual(['subnetId']);
    expect(pathsOf({ subnetIds: 'subnet-1' })).toEqual(['subnetIds']);
    expect(pathsOf({ securityGroupIds: ['sg-1', ' '] })).toEqual(['securityGroupIds[1]']);
    expect(parseTemplateDefinition(templateInput({ subnetIds: ['subnet-1', 'subnet-2', 'subnet-1'] })).subnetIds).toEqual(['subnet-1', 'subnet-2']);
  });

  it('refuses blank optional settings, a non-string userData and a providerConfig that is not an object', () => {
    expect(pathsOf({ imageId: ' ', keyName: '', providerApi: 3, userData: 5, providerConfig: 'EC2Fleet' })).toEqual(['userData', 'providerConfig', 'imageId', 'keyName', 'providerApi']);
    const definition = parseTemplateDefinition(templateInput({ imageId: 'ami-1', userData: '#!/bin/sh', providerApi: null }));
    expect(definition).toMatchObject({ imageId: 'ami-1', userData: '#!/bin/sh', providerApi: null, keyName: null });
  });

  it('needs weights of at least one named instance type on a spot template', () => {
    const spot = (vmTypes: unknown) => issuePaths(() => parseTemplateDefinition(spotTemplateInput({ vmTypes: vmTypes as never })));
    expect(spot({})).toEqual(['vmTypes']);
    expect(spot({ ' ': 1 })).toEqual(['vmTypes']);
    expect(spot(null)).toEqual(['vmTypes']);
    expect(refusal(() => parseTemplateDefinition(spotTemplateInput({ vmTypes: {} }))).issues.map((i) => i.constraint)).toEqual(['isWeightMap']);
  });

  it("checks IBM's priority (a whole number) and LSF's Priority (a whole number as a string), keeping both verbatim", () => {
    expect(pathsOf({ priority: -1, Priority: 'high' })).toEqual(['priority', 'Priority']);
    expect(pathsOf({ priority: 1.5, Priority: 10 })).toEqual(['priority', 'Priority']);
    expect(parseTemplateDefinition(templateInput({ priority: 0, Priority: ' 10 ' })).providerConfig).toEqual({ priority: 0, Priority: ' 10 ' });
    expect(pathsOf({ percentOnDemand: '50' })).toEqual(['percentOnDemand']);
    expect(pathsOf({ percentOnDemand: -1 })).toEqual(['percentOnDemand']);
  });

  it('refuses provider settings that are not JSON data', () => {
    expect(pathsOf({ launchTemplate: { created: new Date(0) } })).toEqual(['launchTemplate']);
    expect(pathsOf({ providerConfig: { maxSpotPrice: Number.NaN } })).toEqual(['maxSpotPrice']);
  });

  it('accepts its own id in an update, and refuses a second delete as TEMPLATE_NOT_FOUND', () => {
    given(aTemplate()).when((t) => t.update({ templateId: 'OnDemand-Small', maxNumber: 5 } as never, later)).thenRecords('TemplateUpdated');
    const template = aTemplate();
    template.delete([], later);
    given(template).when((t) => t.delete([], later)).thenFailsWith('TEMPLATE_NOT_FOUND');
  });

  it('stays deleted through a snapshot round trip', () => {
    const template = aTemplate();
    template.delete([], later);
    const restored = Template.restore(template.toSnapshot());
    expect(restored.deleted).toBe(true);
    expect(restored.toSnapshot().deletedAt).toBe(later.now.toISOString());
  });
});

const issuesOf = (overrides: Record<string, unknown>) =>
  refusal(() => parseTemplateDefinition(templateInput(overrides))).issues.map(({ path, constraint }) => ({ path, constraint }));
const withAttribute = (name: string, value: unknown) =>
  ({ attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '8192'], [name]: value } });

describe('Template attribute values', () => {
  it('refuses a blank plain value for a numeric attribute as not a number', () => {
    expect(issuesOf(withAttribute('ncpus', ''))).toEqual([{ path: 'attributes.ncpus', constraint: 'isNumeric' }]);
    expect(issuesOf(withAttribute('ncpus', '  '))).toEqual([{ path: 'attributes.ncpus', constraint: 'isNumeric' }]);
  });

  it('refuses a blank value in a Numeric pair', () => {
    expect(issuesOf(withAttribute('rank', ['Numeric', '']))).toEqual([{ path: 'attributes.rank', constraint: 'isNumeric' }]);
    expect(issuesOf(withAttribute('rank', ['Numeric', '  ']))).toEqual([{ path: 'attributes.rank', constraint: 'isNumeric' }]);
  });

  it('refuses a non-finite number as the value of a pair', () => {
    expect(issuesOf(withAttribute('zone', ['String', Number.POSITIVE_INFINITY]))).toEqual([{ path: 'attributes.zone', constraint: 'attributeValue' }]);
    expect(issuesOf(withAttribute('rank', ['Numeric', Number.NaN]))).toEqual([{ path: 'attributes.rank', constraint: 'attributeValue' }]);
  });
});

describe('Template definition rules', () => {
  it('needs vmTypes on a heterogeneous template', () => {
    expect(issuesOf({ priceType: 'heterogeneous' })).toEqual([{ path: 'vmTypes', constraint: 'required' }]);
  });

  it('refuses a non-string subnet id with one issue, without reading inside it', () => {
    expect(issuesOf({ subnetIds: [5] })).toEqual([{ path: 'subnetIds[0]', constraint: 'isNotEmpty' }]);
    expect(issuesOf({ subnetIds: [{ a: '\u0000' }] })).toEqual([{ path: 'subnetIds[0]', constraint: 'isNotEmpty' }]);
  });

  it('treats providerConfig: null as absent', () => {
    expect(parseTemplateDefinition(templateInput({ providerConfig: null, fleetRole: 'role' })).providerConfig).toStrictEqual({ fleetRole: 'role' });
  });

  it('keeps a nested provider key when the top-level key is undefined, and drops nested undefined values', () => {
    expect(parseTemplateDefinition(templateInput({ providerConfig: { zone: 'a' }, zone: undefined })).providerConfig).toStrictEqual({ zone: 'a' });
    expect(parseTemplateDefinition(templateInput({ providerConfig: { x: undefined, y: 1 } })).providerConfig).toStrictEqual({ y: 1 });
  });

  it('takes rootDeviceVolumeSize from 1 to 16384 and iops from 100 with an io1 volume', () => {
    const definition = parseTemplateDefinition(templateInput({ rootDeviceVolumeSize: 1, volumeType: 'io1', iops: 100 }));
    expect(definition.providerConfig).toStrictEqual({ rootDeviceVolumeSize: 1, volumeType: 'io1', iops: 100 });
    expect(issuesOf({ rootDeviceVolumeSize: 16_385 })).toEqual([{ path: 'rootDeviceVolumeSize', constraint: 'isInt' }]);
    expect(issuesOf({ volumeType: 'io1', iops: 64_001 })).toEqual([{ path: 'iops', constraint: 'isInt' }]);
  });

  it("refuses an LSF Priority with anything but up to nine digits", () => {
    expect(issuesOf({ Priority: 'x10' })).toEqual([{ path: 'Priority', constraint: 'isNumberString' }]);
    expect(issuesOf({ Priority: '10x' })).toEqual([{ path: 'Priority', constraint: 'isNumberString' }]);
    expect(issuesOf({ Priority: '1234567890' })).toEqual([{ path: 'Priority', constraint: 'isNumberString' }]);
    expect(parseTemplateDefinition(templateInput({ Priority: '123456789' })).providerConfig).toStrictEqual({ Priority: '123456789' });
  });
});
