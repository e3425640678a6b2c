import { describe, expect, it } from 'vitest';
import { isUuidV4 } from '../../src/domain/shared/ids';
import { ManualClock, sequentialIds, toMilliseconds } from '../../src/testing/index';

describe('ManualClock', () => {
  it('starts at 2026-01-01T00:00:00Z unless given a start', () => {
    expect(new ManualClock().now().toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(new ManualClock('2030-05-06T07:08:09Z').now().toISOString()).toBe('2030-05-06T07:08:09.000Z');
    expect(new ManualClock(new Date(0)).now().getTime()).toBe(0);
  });

  it('returns a fresh Date each time, so mutating one does not move the clock', () => {
    const clock = new ManualClock();
    const first = clock.now();
    first.setFullYear(1999);
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(clock.now()).not.toBe(clock.now());
  });

  it('does not move by itself', () => {
    const clock = new ManualClock();
    const before = clock.now().getTime();
    expect(clock.now().getTime()).toBe(before);
  });

  it('advances by milliseconds or by summed parts, returning the new instant', () => {
    const clock = new ManualClock();
    expect(clock.advance(1500).toISOString()).toBe('2026-01-01T00:00:01.500Z');
    clock.advance({ hours: 1, minutes: 2, seconds: 3, ms: 4 });
    expect(clock.now().toISOString()).toBe('2026-01-01T01:02:04.504Z');
    clock.advance({});
    expect(clock.now().toISOString()).toBe('2026-01-01T01:02:04.504Z');
  });

  it('sets a later instant from a Date or a string', () => {
    const clock = new ManualClock();
    clock.set('2026-01-02T00:00:00Z');
    expect(clock.now().toISOString()).toBe('2026-01-02T00:00:00.000Z');
    clock.set(new Date('2026-01-02T00:00:00Z'));
    expect(clock.now().toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });

  it('never goes backwards: a negative advance or an earlier set throws RangeError and changes nothing', () => {
    const clock = new ManualClock();
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance({ minutes: -1 })).toThrow(/never goes backwards/);
    expect(() => clock.set('2025-12-31T23:59:59Z')).toThrow(RangeError);
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('rejects invalid dates and non-finite durations with RangeError', () => {
    expect(() => new ManualClock('not a date')).toThrow(RangeError);
    const clock = new ManualClock();
    expect(() => clock.set('nope')).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    expect(() => clock.advance({ seconds: Number.POSITIVE_INFINITY })).toThrow(/seconds must be a finite number/);
    expect(() => clock.advance(9e15)).toThrow(RangeError);
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('converts durations to milliseconds', () => {
    expect(toMilliseconds(250)).toBe(250);
    expect(toMilliseconds({ hours: 2 })).toBe(7_200_000);
    expect(toMilliseconds({ minutes: 1, seconds: 30 })).toBe(90_000);
  });
});

describe('sequentialIds', () => {
  it('counts up from 1 as canonical lower-case UUID v4 text', () => {
    const ids = sequentialIds();
    expect([ids.uuid(), ids.uuid(), ids.uuid()]).toEqual([
      '00000000-0000-4000-8000-000000000001',
      '00000000-0000-4000-8000-000000000002',
      '00000000-0000-4000-8000-000000000003',
    ]);
  });

  it('gives valid v4 ids (version nibble 4, variant 8) that the domain accepts, in hex', () => {
    const ids = sequentialIds(9);
    const id = ids.uuid();
    expect(id).toBe('00000000-0000-4000-8000-00000000000a');
    expect(id[14]).toBe('4');
    expect(id[19]).toBe('8');
    expect(isUuidV4(id)).toBe(true);
  });

  it('starts after the seed, and each generator has its own counter', () => {
    const a = sequentialIds(100);
    const b = sequentialIds(100);
    expect(a.uuid()).toBe('00000000-0000-4000-8000-000000000065');
    expect(a.uuid()).toBe('00000000-0000-4000-8000-000000000066');
    expect(b.uuid()).toBe('00000000-0000-4000-8000-000000000065');
  });

  it('carries counters past 48 bits into the first group and stays valid', () => {
    const ids = sequentialIds(2 ** 48 - 1);
    const id = ids.uuid();
    expect(id).toBe('00000001-0000-4000-8000-000000000000');
    expect(isUuidV4(id)).toBe(true);
  });

  it('rejects a negative or fractional seed with RangeError', () => {
    expect(() => sequentialIds(-1)).toThrow(RangeError);
    expect(() => sequentialIds(1.5)).toThrow(RangeError);
  });
});
