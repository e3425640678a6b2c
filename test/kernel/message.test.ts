import 'reflect-metadata';
import { Type } from 'class-transformer';
import { Allow, ArrayMaxSize, IsArray, IsInt, IsObject, IsOptional, IsString, Min, MinLength, ValidateNested } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { Command, isKernelError, Query, ValidationError } from '../../src/kernel';

class MachineRef {
  @IsString()
  @MinLength(1)
  name!: string;

  @IsOptional()
  @IsString()
  machineId?: string;
}

class ReturnMachines extends Command<string> {
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => MachineRef)
  machines!: MachineRef[];
}

class RequestMachines extends Command<{ requestId: string }> {
  @IsString()
  templateId!: string;

  @IsInt()
  @Min(1)
  machineCount!: number;
}

class ListAll extends Query<string[]> {}

/** Carries a free-form map (provider settings, tags): any width up to the input gate's limit. */
class SaveSettings extends Command {
  @IsObject()
  settings!: Record<string, unknown>;

  @Allow()
  note?: unknown;
}

/** An object with `count` keys `k0`, `k1`, … */
function wide(count: number): Record<string, number> {
  const object: Record<string, number> = {};
  for (let i = 0; i < count; i++) object[`k${i}`] = i;
  return object;
}

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect(isKernelError(error, 'VALIDATION_FAILED')).toBe(true);
    return (error as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
}

describe('Command.validate()', () => {
  it('passes a valid message', () => {
    const cmd = Object.assign(new RequestMachines(), { templateId: 't', machineCount: 2 });
    expect(() => cmd.validate()).not.toThrow();
  });

  it('lists every failing field with its constraint', () => {
    const cmd = Object.assign(new RequestMachines(), { templateId: 5, machineCount: 0 });
    const issues = issuesOf(() => cmd.validate());
    expect(issues.map((i) => [i.path, i.constraint])).toEqual([
      ['templateId', 'isString'],
      ['machineCount', 'min'],
    ]);
  });

  it('names nested fields with their full path', () => {
    const issues = issuesOf(() =>
      ReturnMachines.from({ machines: [{ name: 'a' }, { name: 'b' }, { name: '' }] }),
    );
    expect(issues).toEqual([
      expect.objectContaining({ path: 'machines[2].name', constraint: 'minLength' }),
    ]);
    expect(issues[0]?.message).toContain('machines[2].name');
  });

  it('rejects properties that have no decorator', () => {
    const issues = issuesOf(() => RequestMachines.from({ templateId: 't', machineCount: 1, force: true }));
    expect(issues).toEqual([expect.objectContaining({ path: 'force', constraint: 'whitelistValidation' })]);
  });

  it('rejects undeclared nested properties too', () => {
    const issues = issuesOf(() => ReturnMachines.from({ machines: [{ name: 'a', colour: 'red' }] }));
    expect(issues[0]?.path).toBe('machines[0].colour');
  });

  it('accepts a message class with no fields when given no fields', () => {
    expect(() => ListAll.from({})).not.toThrow();
    expect(issuesOf(() => ListAll.from({ x: 1 }))[0]?.path).toBe('x');
  });
});

describe('Command.from()', () => {
  it('builds an instance of the class', () => {
    const cmd = RequestMachines.from({ templateId: 't', machineCount: 3 });
    expect(cmd).toBeInstanceOf(RequestMachines);
    expect(cmd.machineCount).toBe(3);
  });

  it('deep-freezes what it builds', () => {
    const cmd = ReturnMachines.from({ machines: [{ name: 'a' }] });
    expect(Object.isFrozen(cmd)).toBe(true);
    expect(Object.isFrozen(cmd.machines)).toBe(true);
    expect(Object.isFrozen(cmd.machines[0])).toBe(true);
    expect(cmd.machines[0]).toBeInstanceOf(MachineRef);
  });

  it('never converts types implicitly', () => {
    const issues = issuesOf(() => RequestMachines.from({ templateId: 't', machineCount: '3' }));
    expect(issues).toContainEqual(expect.objectContaining({ path: 'machineCount', constraint: 'isInt' }));
  });

  it.each([
    ['null', null],
    ['an array', [1, 2]],
    ['a string', 'hello'],
    ['a number', 42],
    ['undefined', undefined],
  ])('answers %s with a ValidationError, never a TypeError', (_label, input) => {
    const issues = issuesOf(() => RequestMachines.from(input));
    expect(issues).toEqual([expect.objectContaining({ path: '', constraint: 'isObject' })]);
  });

  it('rejects prototype-reaching keys and leaves Object.prototype alone', () => {
    const input = JSON.parse('{"templateId":"t","machineCount":1,"__proto__":{"polluted":true}}');
    const issues = issuesOf(() => RequestMachines.from(input));
    expect(issues[0]).toMatchObject({ path: '__proto__', constraint: 'forbiddenKey' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects cycles instead of overflowing the stack', () => {
    const machine: Record<string, unknown> = { name: 'a' };
    machine.self = machine;
    const issues = issuesOf(() => ReturnMachines.from({ machines: [machine] }));
    expect(issues[0]).toMatchObject({ path: 'machines[0].self', constraint: 'noCycles' });
  });

  it('rejects input nested deeper than the limit', () => {
    let deep: unknown = {};
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const issues = issuesOf(() => ReturnMachines.from({ machines: deep }));
    expect(issues[0]?.constraint).toBe('maxDepth');
  });

  it('accepts an object of 1,000 keys, the most one object may hold', () => {
    const command = SaveSettings.from({ settings: wide(1000) });
    expect(Object.keys(command.settings)).toHaveLength(1000);
    expect(Object.isFrozen(command.settings)).toBe(true);
  });

  it('refuses an object of more than 1,000 keys before class-transformer copies it, naming its path and the limit', () => {
    const issues = issuesOf(() => SaveSettings.from({ settings: wide(1001) }));
    expect(issues).toEqual([
      { path: 'settings', constraint: 'maxKeys', message: 'settings has 1001 keys; at most 1000 are accepted in one object' },
    ]);
    expect(issuesOf(() => ReturnMachines.from({ machines: [{ name: 'a' }, wide(5000)] }))).toEqual([
      { path: 'machines[1]', constraint: 'maxKeys', message: 'machines[1] has 5000 keys; at most 1000 are accepted in one object' },
    ]);
  });

  it('refuses a top-level object of more than 1,000 keys, and one of 150,000 (class-transformer would take about a minute on it)', () => {
    expect(issuesOf(() => RequestMachines.from({ templateId: 't', machineCount: 1, ...wide(999) }))).toEqual([
      { path: '', constraint: 'maxKeys', message: 'the input has 1001 keys; at most 1000 are accepted in one object' },
    ]);
    const error = (() => {
      try {
        SaveSettings.from({ settings: {}, note: wide(150_000) });
      } catch (caught) {
        return caught as ValidationError;
      }
      throw new Error('expected a ValidationError');
    })();
    expect(error.issues).toEqual([expect.objectContaining({ path: 'note', constraint: 'maxKeys' })]);
    expect(error.message).toContain('note has 150000 keys; at most 1000 are accepted in one object');
  });

  it('returns an error that serialises without a stack', () => {
    try {
      RequestMachines.from({ machineCount: 0 });
    } catch (error) {
      const json = (error as ValidationError).toJSON();
      expect(json.code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(json)).not.toContain('at ');
      expect(json.details.issues).toHaveLength(2);
      return;
    }
    throw new Error('expected a ValidationError');
  });
});

describe('KernelError.toJSON()', () => {
  it('summarises any cause, even an object without a prototype (regression: vitest could not report it)', async () => {
    const { KernelError } = await import('../../src/kernel');
    const bare = Object.assign(Object.create(null) as object, { name: 'Inner', message: 'inner failure' });
    expect(new KernelError('X', 'outer', { cause: bare }).toJSON().cause).toEqual({ name: 'Inner', message: 'inner failure' });
    expect(new KernelError('X', 'outer', { cause: Object.create(null) }).toJSON().cause).toBe('[object]');
    expect(new KernelError('X', 'outer', { cause: new Error('e') }).toJSON().cause).toEqual({ name: 'Error', message: 'e' });
    expect(new KernelError('X', 'outer', { cause: 42 }).toJSON().cause).toBe('42');
  });
});
