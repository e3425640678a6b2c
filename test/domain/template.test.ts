import { describe, expect, it } from 'vitest';
import { Template } from '../../src/domain/template/template';
import { type TemplateUpdated } from '../../src/domain/template/template.events';
import { aTemplate, spotTemplateInput, templateInput } from './support/builders';
import { ctxAt, T0 } from './support/context';
import { given, issuePaths } from './support/given';

const later = ctxAt(new Date(T0.getTime() + 3_600_000));

describe('Template', () => {
  it('creates a template from Symphony keys and keeps every provider key verbatim', () => {
    const template = Template.create(
      spotTemplateInput({
        subnetId: ['subnet-a', 'subnet-b'],
        instanceTags: 'team=grid;env=test',
        attributes: { type: ['String', 'X86_64'], ncpus: 4, nram: '16384', rank: ['Numeric', '1'], zone: 'a' },
        fleetRole: 'arn:aws:iam::123456789012:role/spot-fleet',
        allocationStrategy: 'capacityOptimized',
        maxSpotPrice: 0.12,
        launchTemplate: { id: 'lt-1', version: '$Latest' },
      }),
      ctxAt(),
    );
    expect(template.attributes).toEqual({
      type: ['String', 'X86_64'],
      ncpus: ['Numeric', '4'],
      nram: ['Numeric', '16384'],
      rank: ['Numeric', '1'],
      zone: ['String', 'a'],
    });
    expect(template.subnetIds).toEqual(['subnet-a', 'subnet-b']);
    expect(template.instanceTags).toEqual({ team: 'grid', env: 'test' });
    expect(template.providerConfig).toEqual({
      fleetRole: 'arn:aws:iam::123456789012:role/spot-fleet',
      allocationStrategy: 'capacityOptimized',
      maxSpotPrice: 0.12,
      launchTemplate: { id: 'lt-1', version: '$Latest' },
    });
    expect(template.active).toBe(true);
    expect(template.version).toBe(1);
    const [event] = template.pullEvents();
    expect(event).toMatchObject({ type: 'TemplateCreated', aggregateType: 'Template', aggregateId: 'Spot-Mixed', data: { template: template.definition } });
  });

  it('accepts a single subnetId string', () => {
    expect(aTemplate({ subnetId: 'subnet-1' }).subnetIds).toEqual(['subnet-1']);
  });

  it('reports every problem of a template at once, with paths', () => {
    const paths = issuePaths(() =>
      Template.create(
        {
          templateId: 'bad id!',
          maxNumber: 10_001,
          attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '0'], nram: ['String', '512'] },
          priceType: 'spot',
          vmTypes: { 'm5.large': 0, 'm5.xlarge': 1.5 },
          subnetIds: ['', 'subnet-1'],
          instanceTags: 'novalue',
          active: 'yes' as never,
          rootDeviceVolumeSize: 0,
          iops: 50,
          percentOnDemand: 101,
          volumeType: 'gp9',
          allocationStrategy: 'cheapest',
        },
        ctxAt(),
      ),
    );
    expect(paths).toEqual([
      'templateId',
      'maxNumber',
      'attributes.ncpus',
      'attributes.nram',
      'vmTypes.m5.large',
      'vmTypes.m5.xlarge',
      'subnetIds[0]',
      'instanceTags[0]',
      'active',
      'rootDeviceVolumeSize',
      'iops',
      'percentOnDemand',
      'volumeType',
      'allocationStrategy',
      'iops',
    ]);
  });

  it('requires type, ncpus and nram', () => {
    expect(issuePaths(() => Template.create(templateInput({ attributes: {} }), ctxAt()))).toEqual(['attributes.type', 'attributes.ncpus', 'attributes.nram']);
  });

  it('requires an instance type for ondemand and weights for spot', () => {
    expect(issuePaths(() => Template.create(templateInput({ vmType: undefined }), ctxAt()))).toEqual(['vmType']);
    expect(issuePaths(() => Template.create(spotTemplateInput({ vmTypes: undefined, vmType: 'm5.large' }), ctxAt()))).toEqual(['vmTypes']);
  });

  it('accepts provisioned iops with io1/io2 volumes', () => {
    expect(aTemplate({ volumeType: 'io2', iops: 64_000, rootDeviceVolumeSize: 16_384, percentOnDemand: 0 }).providerConfig).toMatchObject({ iops: 64_000 });
  });

  it('records the changed field names and the new definition on update', () => {
    const { events, aggregate } = given(aTemplate())
      .when((t) => t.update({ maxNumber: 30, instanceTags: { team: 'hpc' }, fleetRole: 'role' }, later))
      .thenRecords('TemplateUpdated');
    const data = (events[0] as TemplateUpdated).data;
    expect(data.changedFields).toEqual(['maxNumber', 'instanceTags', 'providerConfig']);
    expect(data.template).toEqual(aggregate.definition);
    expect(aggregate.updatedAt).toEqual(later.now);
  });

  it('treats an update that changes nothing as a no-op', () => {
    given(aTemplate({ instanceTags: 'a=1;b=2' })).when((t) => t.update({ maxNumber: 20, instanceTags: { b: '2', a: '1' } }, later)).thenNothingChanges();
  });

  it('rejects an invalid update and keeps the old definition', () => {
    given(aTemplate()).when((t) => t.update({ maxNumber: -5 }, later)).thenFailsWith('VALIDATION_FAILED');
    given(aTemplate()).when((t) => t.update({ templateId: 'Other' } as never, later)).thenFailsWith('VALIDATION_FAILED');
  });

  it('removes a provider key updated to undefined and swaps subnetIds for subnetId', () => {
    const template = aTemplate({ fleetRole: 'role', subnetIds: ['subnet-1'] });
    template.update({ fleetRole: undefined, subnetId: 'subnet-2' }, later);
    expect(template.providerConfig).toEqual({});
    expect(template.subnetIds).toEqual(['subnet-2']);
  });

  it('replaces the whole provider configuration when providerConfig is given', () => {
    const template = aTemplate({ fleetRole: 'old', maxSpotPrice: 0.1 });
    template.update({ providerConfig: { fleetRole: 'new' } }, later);
    expect(template.providerConfig).toEqual({ fleetRole: 'new' });
    expect(issuePaths(() => template.update({ providerConfig: { maxNumber: 3 } }, later))).toEqual(['providerConfig.maxNumber']);
  });

  it('hands out copies, so callers cannot change its state', () => {
    const template = aTemplate({ instanceTags: 'a=1' });
    (template.instanceTags as Record<string, string>).a = 'changed';
    (template.subnetIds as string[]).push('subnet-x');
    expect(template.instanceTags).toEqual({ a: '1' });
    expect(template.subnetIds).toEqual([]);
  });

  it('deactivates and activates', () => {
    const template = aTemplate();
    given(template).when((t) => t.deactivate(later)).thenRecords('TemplateUpdated');
    expect(template.active).toBe(false);
    given(template).when((t) => t.deactivate(later)).thenNothingChanges();
    given(template).when((t) => t.activate(later)).thenRecords('TemplateUpdated');
  });

  it('cannot be deleted while open requests use it', () => {
    const { error } = given(aTemplate())
      .when((t) => t.delete(['req-00000000-0000-4000-8000-000000000001'], later))
      .thenFailsWith('TEMPLATE_IN_USE');
    expect(error.details).toMatchObject({ templateId: 'OnDemand-Small', openRequestIds: ['req-00000000-0000-4000-8000-000000000001'] });
  });

  it('is deleted when no open request uses it, and then accepts no change', () => {
    const template = aTemplate();
    given(template).when((t) => t.delete([], later)).thenRecords('TemplateDeleted');
    expect(template.deleted).toBe(true);
    given(template).when((t) => t.update({ maxNumber: 1 }, later)).thenFailsWith('TEMPLATE_NOT_FOUND');
  });

  it('round-trips through its snapshot', () => {
    const template = aTemplate({ fleetRole: 'role', instanceTags: 'a=1' });
    template.update({ maxNumber: 3 }, later);
    const snapshot = template.toSnapshot();
    expect(snapshot).toMatchObject({ schemaVersion: 1, version: 2, createdAt: T0.toISOString(), deletedAt: null });
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    const restored = Template.restore(snapshot);
    expect(restored.toSnapshot()).toEqual(snapshot);
    expect(restored.pullEvents()).toEqual([]);
  });

  it('refuses a snapshot of a schema version this release does not know', () => {
    const { error } = given(aTemplate()).when(() => Template.restore({ ...aTemplate().toSnapshot(), schemaVersion: 2 as 1 })).thenFailsWith('SCHEMA_VERSION_UNSUPPORTED');
    expect(error.details).toEqual({ kind: 'snapshot', type: 'Template', storedVersion: 2, supportedVersion: 1, oldestVersion: 1 });
  });
});

describe('Template state', () => {
  it('exposes the definition it was created with', () => {
    const template = aTemplate({ imageId: 'ami-1', securityGroupIds: ['sg-1', 'sg-2'], keyName: 'key-1', userData: '#!/bin/sh' });
    expect(template.vmType).toBe('m5.large');
    expect(template.imageId).toBe('ami-1');
    expect(template.securityGroupIds).toEqual(['sg-1', 'sg-2']);
    expect(template.keyName).toBe('key-1');
    expect(template.userData).toBe('#!/bin/sh');
    expect(template.createdAt).toEqual(T0);
    expect(template.deleted).toBe(false);
  });

  it('keeps its subnetIds through an update of another field', () => {
    const template = aTemplate({ subnetIds: ['subnet-1'] });
    template.update({ maxNumber: 5 }, later);
    expect(template.subnetIds).toEqual(['subnet-1']);
  });

  it('records the template id in TemplateDeleted', () => {
    const { events } = given(aTemplate()).when((t) => t.delete([], later)).thenRecords('TemplateDeleted');
    expect(events[0]?.data).toStrictEqual({ templateId: 'OnDemand-Small' });
  });
});
