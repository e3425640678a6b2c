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
