import 'reflect-metadata';
import { Expose, plainToInstance, type ClassConstructor } from 'class-transformer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FROM_PLAIN, fromPlain } from '../../src/application/read-models/dto';
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
