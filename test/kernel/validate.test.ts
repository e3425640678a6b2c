import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsOptional, IsString, MinLength, ValidateNested } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { Command, createKernel, ValidationError, type ValidationIssue } from '../../src/kernel';

class Label {
  @IsString()
  code!: string;
}

class Shelve extends Command<void> {
  @IsOptional()
  @ValidateNested()
  @Type(() => Label)
  main?: Label;

  /** A one-letter property: its nested paths have their first dot at index 1. */
  @IsOptional()
  @ValidateNested()
  @Type(() => Label)
  x?: Label;

  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => Label)
  labels?: Label[];

  @IsOptional()
  @ValidateNested({ each: true, message: '$property must hold labels' })
  @Type(() => Label)
  slots?: Label[];

  /** A property whose own name looks like an indexed path. */
  @IsOptional()
  @ValidateNested({ each: true, message: '$property must hold labels' })
  @Type(() => Label)
  'rack[2]slots'?: Label[];

  @IsOptional()
  @IsArray()
  values?: unknown[];

  @IsOptional()
  @IsString()
  note?: string | null;
}

/** The issues `Shelve.from(plain)` throws; `[]` when it builds. */
function issuesOf(plain: unknown): readonly ValidationIssue[] {
  try {
    Shelve.from(plain);
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.issues;
  }
}

const label = { code: 'a' };

describe('input checks before validation', () => {
  it.each([
    ['null', null, 'null'],
    ['an array', [label], 'an array'],
    ['a string', 'shelve', 'a string'],
    ['a number', 7, 'a number'],
  ])('names what it got instead of a JSON object: %s', (_label, input, got) => {
    expect(issuesOf(input)).toEqual([{ path: '', constraint: 'isObject', message: `expected a JSON object, got ${got}` }]);
  });

  it('names the kind of a non-plain object given instead of a JSON object', () => {
    expect(issuesOf(new Date(0))).toEqual([{ path: '', constraint: 'isObject', message: 'expected a JSON object, got Date' }]);
    expect(issuesOf(new Map())).toEqual([{ path: '', constraint: 'isObject', message: 'expected a JSON object, got Map' }]);
  });

  it('accepts null as an item of an array and as the value of a field', () => {
    expect(issuesOf({ values: [null, 1], note: null })).toEqual([]);
  });

  it('calls a Map under an empty key the value, as its path names nothing', () => {
    expect(issuesOf({ '': new Map() })).toEqual([{ path: '', constraint: 'isJson', message: 'the value is a Map; send plain JSON data' }]);
  });

  it('walks no further than an array’s length (an item its prototype lends past the end is not an item)', () => {
    const values: unknown[] = [1];
    Object.setPrototypeOf(values, Object.create(Array.prototype, { 1: { value: new Map() } }));
    expect(issuesOf({ values })).toEqual([]);
  });
});

describe('issue paths and messages', () => {
  it('names an extra key by its own name, digits and letters mixed', () => {
    expect(issuesOf({ a1: 1, '1a': 2 }).map((i) => i.path)).toEqual(['a1', '1a']);
    expect(issuesOf({ main: { code: 'a', a1: 1 } })).toEqual([
      { path: 'main.a1', constraint: 'whitelistValidation', message: 'main.a1 is not an accepted field; remove it' },
    ]);
  });

  it('reports an empty key on the object that holds it, and never tells to remove that object (regression)', () => {
    expect(issuesOf({ main: { code: 'a', '': 1 } })).toEqual([
      { path: 'main', constraint: 'whitelistValidation', message: 'main has an empty key "", which is not an accepted field; remove it' },
    ]);
    expect(issuesOf({ '': 1 })).toEqual([
      { path: '', constraint: 'whitelistValidation', message: 'the input has an empty key "", which is not an accepted field; remove it' },
    ]);
  });

  it('names the full path of a field nested under a one-letter property', () => {
    expect(issuesOf({ x: { code: 5 } })).toEqual([{ path: 'x.code', constraint: 'isString', message: 'x.code must be a string' }]);
  });

  it('names the item from the eleventh on, as from the first', () => {
    const slots = [...Array.from({ length: 10 }, () => label), 5];
    expect(issuesOf({ slots })).toEqual([{ path: 'slots[10]', constraint: 'nestedValidation', message: 'slots[10] must hold labels' }]);
    expect(issuesOf({ slots: [5] })).toEqual([{ path: 'slots[0]', constraint: 'nestedValidation', message: 'slots[0] must hold labels' }]);
  });

  it('names the item of a property whose own name looks indexed', () => {
    expect(issuesOf({ 'rack[2]slots': [label, 5] })).toEqual([
      { path: 'rack[2]slots[1]', constraint: 'nestedValidation', message: 'rack[2]slots[1] must hold labels' },
    ]);
  });

  it('keeps a message that does not start with the field’s name as it is', () => {
    expect(issuesOf({ labels: [label, 5] })).toEqual([
      { path: 'labels[1]', constraint: 'nestedValidation', message: 'each value in nested property labels must be either object or array' },
    ]);
  });
});

describe('validation of a message class that does not extend Command or Query', () => {
  it('lets a valid one through to its handler', async () => {
    class PlainGreet {
      @IsString()
      @MinLength(1)
      name = 'ada';

      @IsInt()
      times = 1;
    }
    const k = createKernel({ handlers: [] });
    k.commands.register(PlainGreet as never, { handle: (greet) => `hi ${(greet as unknown as PlainGreet).name}` });
    await expect(k.commands.execute(new PlainGreet() as never)).resolves.toBe('hi ada');
    k.dispose();
  });
});
