import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/kernel';
import { isPlainObject, joinPath, movedPaths, pathUnder, underPath } from '../../src/kernel/validation/issue-paths';

describe('issue paths', () => {
  it('joins a key with a dot, an index with brackets, and a key at the top alone', () => {
    expect(joinPath('template', 'maxNumber')).toBe('template.maxNumber');
    expect(joinPath('machines', 2)).toBe('machines[2]');
    expect(joinPath('', 'requestId')).toBe('requestId');
  });

  it('puts a relative path under a prefix: the value itself, a field, an element', () => {
    expect(pathUnder('template', '')).toBe('template');
    expect(pathUnder('template', 'attributes.type')).toBe('template.attributes.type');
    expect(pathUnder('changes', '[0].name')).toBe('changes[0].name');
    expect(pathUnder('', 'maxNumber')).toBe('maxNumber');
  });

  it('re-throws a validation error for the new subject with every path under the prefix, the original as cause', () => {
    const original = new ValidationError('template definition', [
      { path: '', constraint: 'isObject', message: 'not an object' },
      { path: 'maxNumber', constraint: 'min', message: 'too small' },
    ]);
    let thrown: unknown;
    try {
      underPath('template', 'template', () => {
        throw original;
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    const error = thrown as ValidationError;
    expect(error.issues.map((i) => i.path)).toEqual(['template', 'template.maxNumber']);
    expect(error.cause).toBe(original);
  });

  it('lets any other error through unchanged and returns the work result', () => {
    const other = new Error('boom');
    expect(() => underPath('x', 'x', () => { throw other; })).toThrow(other);
    expect(underPath('x', 'x', () => 42)).toBe(42);
  });

  it('moves the paths under one prefix to another, with the messages that name them, and keeps the others', () => {
    const original = new ValidationError('ImportTemplates', [
      { path: 'document.templates[1]', constraint: 'maxKeys', message: 'document.templates[1] has 1001 keys' },
      { path: 'document.templates[0].a', constraint: 'isJson', message: 'not JSON' },
      { path: 'document.templates', constraint: 'isArray', message: 'document.templates must be an array' },
      { path: 'document.templates.length', constraint: 'maxItems', message: 'document.templates.length is over 1000' },
      { path: 'document.templatesX', constraint: 'other', message: 'document.templatesX is elsewhere' },
      { path: 'deactivateMissing', constraint: 'isBoolean', message: 'not a boolean' },
    ]);
    const moved = (to: string) => {
      try {
        movedPaths('document.templates', to, 'templates file', () => {
          throw original;
        });
      } catch (error) {
        expect((error as ValidationError).cause).toBe(original);
        expect((error as ValidationError).details.subject).toBe('templates file');
        return (error as ValidationError).issues.map((i) => [i.path, i.message]);
      }
      throw new Error('expected a ValidationError');
    };
    expect(moved('templates')).toEqual([
      ['templates[1]', 'templates[1] has 1001 keys'],
      ['templates[0].a', 'not JSON'],
      ['templates', 'templates must be an array'],
      ['templates.length', 'templates.length is over 1000'],
      ['document.templatesX', 'document.templatesX is elsewhere'],
      ['deactivateMissing', 'not a boolean'],
    ]);
    expect(moved('').slice(0, 4)).toEqual([
      ['[1]', '[1] has 1001 keys'],
      ['[0].a', 'not JSON'],
      ['', 'document.templates must be an array'],
      ['length', 'length is over 1000'],
    ]);
    expect(movedPaths('a', 'b', 'x', () => 42)).toBe(42);
  });

  it('lets any other error through unchanged when moving paths', () => {
    const other = new TypeError('boom');
    expect(() => movedPaths('document', '', 'x', () => { throw other; })).toThrow(other);
  });

  it('tells plain objects ({} literals, null prototypes) from every other value', () => {
    for (const value of [{}, { a: 1 }, Object.create(null) as object, JSON.parse('{"__proto__": {"a": 1}}') as object]) expect(isPlainObject(value)).toBe(true);
    for (const value of [undefined, null, 0, 'text', true, [], new Date(0), new Map(), new (class Point {})(), Object.create({}) as object]) expect(isPlainObject(value)).toBe(false);
  });
});
