import { describe, expect, it } from 'vitest';
import { Request } from '../../src/domain/request/request';
import { type AcquireRequestInput } from '../../src/domain/request/request-input';
import { aTemplate } from './support/builders';
import { ctxAt } from './support/context';
import { issuePaths, refusal } from './support/given';

const acquire = (extra: Partial<AcquireRequestInput>) => Request.createAcquire({ template: aTemplate(), activeUnits: 0, requestedCount: 1, ...extra }, ctxAt());
const pathsOf = (extra: Record<string, unknown>) => issuePaths(() => acquire(extra as Partial<AcquireRequestInput>));

describe('Request options', () => {
  it('takes an idempotency key of 1 to 256 characters of storable text, and nothing else', () => {
    expect(acquire({ idempotencyKey: 'k'.repeat(256) }).idempotencyKey).toHaveLength(256);
    expect(pathsOf({ idempotencyKey: 'k'.repeat(257) })).toEqual(['idempotencyKey']);
    expect(pathsOf({ idempotencyKey: 'job\u0000' })).toEqual(['idempotencyKey']);
    expect(pathsOf({ idempotencyKey: 42 })).toEqual(['idempotencyKey']);
  });

  it('takes a priority that is a safe integer', () => {
    expect(acquire({ priority: -7 }).priority).toBe(-7);
    expect(pathsOf({ priority: 2 ** 53 })).toEqual(['priority']);
  });

  it('takes an rcAccount of 1 to 128 allowed characters', () => {
    expect(acquire({ rcAccount: 'a'.repeat(128) }).rcAccount).toHaveLength(128);
    expect(acquire({ rcAccount: 'proj_1.a:b/c@d+e=f-g' }).rcAccount).toBe('proj_1.a:b/c@d+e=f-g');
    for (const rcAccount of ['a'.repeat(129), '', 'has space', 'a;b', 7]) expect(pathsOf({ rcAccount })).toEqual(['rcAccount']);
    expect(acquire({ rcAccount: null as never }).rcAccount).toBeUndefined();
  });

  it('takes userData of at most 16384 bytes of JSON, keyed by variable names', () => {
    const sized = (bytes: number) => ({ D: 'y'.repeat(bytes - '{"D":""}'.length) });
    expect(acquire({ userData: sized(16_384) }).userData).toEqual(sized(16_384));
    expect(pathsOf({ userData: sized(16_385) })).toEqual(['userData']);
    expect(acquire({ userData: { _a1: 1, B: 'x' } }).userData).toEqual({ _a1: 1, B: 'x' });
    expect(refusal(() => acquire({ userData: { '1abc': 'x' } })).issues.map((i) => i.constraint)).toEqual(['isUserDataKey']);
    expect(refusal(() => acquire({ userData: { A: Number.NaN } })).issues.map((i) => i.constraint)).toEqual(['isJson']);
    expect(refusal(() => acquire({ userData: ['a'] as never })).issues.map((i) => i.constraint)).toEqual(['isUserData']);
  });
});
