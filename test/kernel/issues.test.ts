import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/kernel';
import { collect, Issues } from '../../src/kernel/validation';

describe('collect', () => {
  it('keeps the issues of a ValidationError and answers undefined, or returns what the parse returns', () => {
    const issues = new Issues();
    const failed = collect(issues, () => {
      throw new ValidationError('template', [{ path: 'maxNumber', constraint: 'min', message: 'maxNumber must be at least 1' }]);
    });
    expect(failed).toBeUndefined();
    expect(collect(issues, () => 42)).toBe(42);
    expect(issues.count).toBe(1);
    expect(() => issues.throwIfAny('templates file')).toThrow(ValidationError);
  });

  it('lets any other error through unchanged', () => {
    const issues = new Issues();
    const other = new TypeError('boom');
    expect(() => collect(issues, () => { throw other; })).toThrow(other);
    expect(issues.count).toBe(0);
  });
});
