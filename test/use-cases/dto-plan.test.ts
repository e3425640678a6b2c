import 'reflect-metadata';
import { Expose, plainToInstance, type ClassConstructor } from 'class-transformer';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage.js';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Dto, Field, FROM_PLAIN, fromPlain, JsonField, NestedDtos } from '../../src/application/read-models/dto';
import { MachineDto, ReclaimDto } from '../../src/application/read-models/machine.dto';
import { RequestDto, RequestMachineDto, RequestStatusDto } from '../../src/application/read-models/request.dto';
import { TemplateDto } from '../../src/application/read-models/template.dto';

/** A comparable picture of a value: constructors, own keys in order (undefined ones too), dates by time. */
function shape(value: unknown): unknown {
  if (value instanceof Date) return { date: String(value.getTime()) };
  if (Array.isArray(value)) return value.map(shape);
  if (typeof value !== 'object' || value === null) return value;
  return { class: value.constructor?.name ?? null, entries: Object.keys(value).map((key) => [key, shape((value as Record<string, unknown>)[key])]) };
}

const scalar = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined));
const value = fc.oneof({ weight: 6, arbitrary: scalar }, { weight: 2, arbitrary: fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null))) }, { weight: 1, arbitrary: fc.jsonValue() });
const instant = fc.oneof(
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.date({ noInvalidDate: true }),
  fc.constantFrom(undefined, null, 'not a date', 0),
);
const json = fc.oneof(fc.jsonValue(), fc.constant(undefined));

const MACHINE_FIELDS = ['machineId', 'name', 'requestId', 'returnRequestId', 'templateId', 'providerApi', 'resourceId', 'instanceType', 'priceType', 'cloudHostId', 'privateIpAddress', 'publicIpAddress', 'status', 'statusReason', 'version'];
const MACHINE_DATES = ['launchTime', 'terminatedAt', 'createdAt', 'updatedAt'];

/** A document with the given fields (each maybe absent), plus unknown keys a DTO must drop. */
function doc(values: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(fc.record(values, { requiredKeys: [] }), fc.dictionary(fc.string().map((k) => `extra_${k}`), fc.jsonValue(), { maxKeys: 3 }))
    .map(([fields, extra]) => ({ ...extra, ...fields }));
}
const fields = (names: string[], arbitrary: fc.Arbitrary<unknown>) => Object.fromEntries(names.map((n) => [n, arbitrary]));
const machineDoc = doc({ ...fields(MACHINE_FIELDS, value), ...fields(MACHINE_DATES, instant), instanceTags: json });
const requestMachineDoc = doc({ ...fields(MACHINE_FIELDS, value), ...fields(MACHINE_DATES, instant), instanceTags: json, result: value, message: value });
const requestFields = {
  ...fields(['requestId', 'type', 'templateId', 'requestedCount', 'machineIds', 'resourceIds', 'priority', 'timeoutSeconds', 'status', 'statusMessage', 'version'], value),
  ...fields(['createdAt', 'startedAt', 'completedAt', 'deadline'], instant),
  tags: json,
};
const cases: [string, ClassConstructor<object>, fc.Arbitrary<Record<string, unknown>>][] = [
  ['MachineDto', MachineDto, machineDoc],
  ['RequestMachineDto', RequestMachineDto, requestMachineDoc],
  ['ReclaimDto', ReclaimDto, doc(fields(['machineId', 'machine', 'gracePeriod', 'reason'], value))],
  ['RequestDto', RequestDto, doc(requestFields)],
  [
    'RequestStatusDto',
    RequestStatusDto,
    doc({ ...requestFields, machines: fc.oneof({ weight: 5, arbitrary: fc.array(requestMachineDoc, { maxLength: 4 }) }, { weight: 1, arbitrary: fc.constantFrom(undefined, null, 'x', [1]) }) }),
  ],
  [
    'TemplateDto',
    TemplateDto,
    doc({
      ...fields(['templateId', 'maxNumber', 'availableNumber', 'requestedMachines', 'priceType', 'vmType', 'imageId', 'subnetIds', 'securityGroupIds', 'keyName', 'providerApi', 'active', 'version'], value),
      ...fields(['attributes', 'vmTypes', 'instanceTags', 'configuration'], json),
      ...fields(['createdAt', 'updatedAt'], instant),
    }),
  ],
];

describe('fromPlain on the library DTOs', () => {
  for (const [name, type, documents] of cases) {
    it(`builds ${name} exactly as plainToInstance does: class, keys and their order, values, dates, nested DTOs`, () => {
      fc.assert(
        fc.property(documents, (plain) => {
          expect(shape(fromPlain(type, plain))).toEqual(shape(plainToInstance(type, plain, FROM_PLAIN)));
        }),
        { numRuns: 300 },
      );
    });
  }

  it('shares nothing with the document: JSON fields and arrays are copies', () => {
    const plain = { requestId: 'req-1', createdAt: new Date(0), machineIds: ['i-1'], tags: { a: 'b' }, machines: [{ machineId: 'i-1', instanceTags: { c: 'd' } }] };
    const dto = fromPlain(RequestStatusDto, plain);
    expect(dto.createdAt).not.toBe(plain.createdAt);
    expect(dto.machineIds).not.toBe(plain.machineIds);
    expect(dto.tags).not.toBe(plain.tags);
    expect(dto.machines[0]).toBeInstanceOf(RequestMachineDto);
    expect(dto.machines[0]!.instanceTags).not.toBe(plain.machines[0]!.instanceTags);
  });

  it("builds a host's subclass of a library DTO through class-transformer, with the subclass's own fields", () => {
    class WithOwner extends MachineDto {
      @Expose() owner!: string;
    }
    const dto = fromPlain(WithOwner, { machineId: 'i-1', owner: 'team-a', createdAt: '2026-01-01T00:00:00.000Z', ignored: true });
    expect(dto).toBeInstanceOf(WithOwner);
    expect(dto.owner).toBe('team-a');
    expect(dto.createdAt).toEqual(new Date('2026-01-01T00:00:00.000Z'));
    expect(Object.hasOwn(dto, 'ignored')).toBe(false);
  });
});

/** How many times `work` made class-transformer look up a class's exposed fields (0: `fromPlain` built the DTO itself). */
function classTransformerLookups(work: () => unknown): number {
  const lookups = vi.spyOn(defaultMetadataStorage as { getExposedProperties: (...args: unknown[]) => unknown }, 'getExposedProperties');
  try {
    work();
    return lookups.mock.calls.length;
  } finally {
    lookups.mockRestore();
  }
}

describe('fromPlain builds the library DTOs itself (a poll builds a request and each of its machines)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('builds a document as the projections write it without class-transformer', () => {
    const machine = {
      id: 'i-1', machineId: 'i-1', name: null, requestId: 'req-1', returnRequestId: null, templateId: 'small', providerApi: 'ec2', resourceId: null,
      instanceType: 'm5.large', priceType: null, cloudHostId: null, privateIpAddress: '10.0.0.1', publicIpAddress: null, instanceTags: { team: 'grid' },
      launchTime: null, terminatedAt: null, status: 'running', statusReason: '', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: new Date(0), version: 3,
      result: 'executing', message: '', _position: 7,
    };
    const plain = {
      id: 'req-1', requestId: 'req-1', type: 'acquire', templateId: 'small', requestedCount: 2, machineIds: ['i-1', null], resourceIds: [], tags: { job: '42' },
      priority: null, timeoutSeconds: 600, status: 'running', statusMessage: '', createdAt: '2026-01-01T00:00:00.000Z', startedAt: null, completedAt: null,
      deadline: '2026-01-01T00:10:00.000Z', version: 2, machines: [machine, { ...machine, machineId: 'i-2' }], _position: 9,
    };
    let dto: RequestStatusDto | undefined;
    expect(classTransformerLookups(() => (dto = fromPlain(RequestStatusDto, plain)))).toBe(0);
    expect(shape(dto)).toEqual(shape(plainToInstance(RequestStatusDto, plain, FROM_PLAIN)));
    expect(dto!.machineIds).toEqual(['i-1', null]);
    expect(dto!.createdAt).toEqual(new Date('2026-01-01T00:00:00.000Z'));
    expect(dto!.tags).toEqual({ job: '42' });
    expect(dto!.machines.map((m) => [m.constructor, m.machineId, m.updatedAt.getTime(), m.instanceTags])).toEqual([
      [RequestMachineDto, 'i-1', 0, { team: 'grid' }],
      [RequestMachineDto, 'i-2', 0, { team: 'grid' }],
    ]);
  });

  it('builds a document without class-transformer when its nested DTO list is absent or null', () => {
    for (const machines of [undefined, null]) {
      let dto: RequestStatusDto | undefined;
      expect(classTransformerLookups(() => (dto = fromPlain(RequestStatusDto, { requestId: 'req-1', machines })))).toBe(0);
      expect(dto!.machines).toBe(machines);
    }
    expect(classTransformerLookups(() => fromPlain(ReclaimDto, { machineId: 'i-1', machine: 'host-1', gracePeriod: 0, reason: 'spot' }))).toBe(0);
  });

  it('hands class-transformer what it does not plan: objects in a plain field, a nested list that is not a list, a class it did not seal', () => {
    expect(classTransformerLookups(() => fromPlain(MachineDto, { machineId: { not: 'a string' } }))).toBeGreaterThan(0);
    expect(classTransformerLookups(() => fromPlain(RequestDto, { machineIds: [{ not: 'an id' }] }))).toBeGreaterThan(0);
    const odd = { requestId: 'req-1', machines: 'x' };
    let dto: RequestStatusDto | undefined;
    expect(classTransformerLookups(() => (dto = fromPlain(RequestStatusDto, odd)))).toBeGreaterThan(0);
    expect(shape(dto)).toEqual(shape(plainToInstance(RequestStatusDto, odd, FROM_PLAIN)));
  });

  it('keeps a sealed DTO’s own default for a field the document does not set', () => {
    @Dto()
    class Paging {
      @Field() limit: number = 50;
      @Field() offset: number = 0;
    }
    const dto = fromPlain(Paging, { offset: 10 });
    expect(dto).toEqual(Object.assign(new Paging(), { limit: 50, offset: 10 }));
    expect(shape(dto)).toEqual(shape(plainToInstance(Paging, { offset: 10 }, FROM_PLAIN)));
  });

  it('gives a sealed DTO without fields no keys, and one without fields of its own its parent’s', () => {
    @Dto()
    class Empty {}
    @Dto()
    class JustAMachine extends MachineDto {}
    expect(Object.keys(fromPlain(Empty, { a: 1 }))).toEqual([]);
    const dto = fromPlain(JustAMachine, { machineId: 'i-1', extra: true });
    expect(dto).toBeInstanceOf(JustAMachine);
    expect(Object.keys(dto).filter((key) => (dto as unknown as Record<string, unknown>)[key] !== undefined)).toEqual(['machineId']);
    expect(Object.keys(dto)).not.toContain('undefined');
  });

  it('hands a nested list of a class it did not seal to class-transformer', () => {
    class Tag {
      @Expose() key!: string;
    }
    @Dto()
    class Tagged {
      @Field() name!: string;
      @JsonField() meta!: unknown;
      @NestedDtos(() => Tag) tags!: Tag[];
    }
    const dto = fromPlain(Tagged, { name: 'n', meta: { a: [1] }, tags: [{ key: 'k', other: 1 }] });
    expect(dto.tags[0]).toBeInstanceOf(Tag);
    expect(dto.tags).toEqual([Object.assign(new Tag(), { key: 'k' })]);
    expect(dto.meta).toEqual({ a: [1] });
  });

  it('refuses @Dto() on a class whose parent is not a sealed DTO, naming it', () => {
    class Loose {
      @Expose() a!: string;
    }
    class Child extends Loose {}
    expect(() => Dto()(Child)).toThrow(new Error('@Dto() on Child: its parent class is not a sealed DTO'));
  });
});
