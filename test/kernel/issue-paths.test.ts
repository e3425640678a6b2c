import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/kernel';
import { joinPath, pathUnder, underPath } from '../../src/kernel/issue-paths';

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
});
