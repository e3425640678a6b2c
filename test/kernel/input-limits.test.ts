import 'reflect-metadata';
import { Type } from 'class-transformer';
import { Allow, IsDate, IsOptional } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { Command, ValidationError, type ValidationIssue } from '../../src/kernel';
import { MAX_INPUT_DEPTH } from '../../src/kernel/validation';

// The gate X.from() puts in front of class-transformer for untrusted input, at its exact limits.

/** Takes any JSON value in `note`, so only the input gate can refuse it. */
class Note extends Command {
  @Allow()
  note?: unknown;

  @IsOptional()
  @IsDate()
  @Type(() => Date)
  at?: Date;
}

function issuesOf(input: unknown): readonly ValidationIssue[] {
  try {
    Note.from(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  return [];
}

/** Arrays nested `levels` deep: `[[...[]...]]`. */
function nested(levels: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < levels; i++) value = [value];
  return value;
}

describe('the input gate of X.from()', () => {
  it(`accepts input nested ${MAX_INPUT_DEPTH} levels deep and refuses one level more, naming the path`, () => {
    expect(MAX_INPUT_DEPTH).toBe(64);
    expect(issuesOf({ note: nested(64) })).toEqual([]);
    const path = `note${'[0]'.repeat(64)}`;
    expect(issuesOf({ note: nested(65) })).toEqual([{ path, constraint: 'maxDepth', message: 'nesting is deeper than 64 levels' }]);
  });

  it('stops collecting at 20 issues however many the input holds', () => {
    const cycles: unknown[] = [];
    for (let i = 0; i < 50; i++) cycles.push(cycles);
    const issues = issuesOf({ note: cycles });
    expect(issues).toHaveLength(20);
    expect(issues[19]).toEqual({ path: 'note[19]', constraint: 'noCycles', message: 'the value refers to itself (a cycle); send plain JSON data' });
  });

  it('refuses every prototype-reaching key, at the top and nested, and pollutes nothing', () => {
    const input = JSON.parse('{"constructor":{"prototype":{"polluted":true}},"note":{"a":[{"prototype":1,"constructor":2,"__proto__":{"polluted":true}}]}}');
    expect(issuesOf(input)).toEqual([
      { path: 'constructor', constraint: 'forbiddenKey', message: 'the key "constructor" is not allowed in input' },
      { path: 'note.a[0].prototype', constraint: 'forbiddenKey', message: 'the key "prototype" is not allowed in input' },
      { path: 'note.a[0].constructor', constraint: 'forbiddenKey', message: 'the key "constructor" is not allowed in input' },
      { path: 'note.a[0].__proto__', constraint: 'forbiddenKey', message: 'the key "__proto__" is not allowed in input' },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('accepts a Date anywhere, but no Map, Set or typed array, naming where it is', () => {
    const at = new Date('2026-01-02T03:04:05Z');
    expect(Note.from({ at, note: { when: [at] } }).at).toEqual(at);
    expect(issuesOf({ note: { a: new Map(), b: [new Set()], c: new Uint8Array(2) } })).toEqual([
      { path: 'note.a', constraint: 'isJson', message: 'note.a is a Map; send plain JSON data' },
      { path: 'note.b[0]', constraint: 'isJson', message: 'note.b[0] is a Set; send plain JSON data' },
      { path: 'note.c', constraint: 'isJson', message: 'note.c is a Uint8Array; send plain JSON data' },
    ]);
  });

  it('shows the first five issues in the message and counts the rest', () => {
    const input = JSON.parse('{"note":{"a":{"constructor":1},"b":{"constructor":1},"c":{"constructor":1},"d":{"constructor":1},"e":{"constructor":1},"f":{"constructor":1},"g":{"constructor":1}}}');
    try {
      Note.from(input);
      expect.unreachable();
    } catch (error) {
      const e = error as ValidationError;
      expect(e.issues).toHaveLength(7);
      expect(e.message).toBe(
        'Invalid Note: ' +
          ['a', 'b', 'c', 'd', 'e'].map((k) => `note.${k}.constructor: the key "constructor" is not allowed in input`).join('; ') +
          '; and 2 more. Correct these fields and try again.',
      );
      expect(e.details).toEqual({ subject: 'Note', issues: e.issues });
    }
  });
});
