import { describe, expect, it } from 'vitest';
import { Request } from '../../src/domain/request/request';
import { type RequestReleaseStarted, type RequestReleased } from '../../src/domain/request/request.events';
import { aReturnRequest, anAcquireRequest } from './support/builders';
import { ctxAt } from './support/context';
import { given, issuePaths } from './support/given';

const T1 = new Date('2026-01-01T00:15:00.000Z');
const UNTIL = new Date('2026-01-01T00:45:00.000Z');

function abandoned(): Request {
  const request = anAcquireRequest(2);
  request.cancel('Abandoned: nobody asked', ctxAt(T1));
  return request;
}

describe('Request release', () => {
  it('begins once for an acquire request settled cancelled or failed, keeping the first window', () => {
    const { events, aggregate } = given(abandoned()).when((r) => r.beginRelease(UNTIL, ctxAt(T1))).thenRecords('RequestReleaseStarted');
    expect((events[0] as RequestReleaseStarted).data.release).toEqual({ since: T1.toISOString(), until: UNTIL.toISOString(), releasedAt: null });
    expect(aggregate.releasePending).toBe(true);
    given(aggregate).when((r) => r.beginRelease(new Date('2026-01-02T00:00:00.000Z'), ctxAt(UNTIL))).thenNothingChanges();
    expect(aggregate.release!.until).toBe(UNTIL.toISOString());

    const failed = anAcquireRequest(1);
    failed.fail('InsufficientInstanceCapacity', ctxAt(T1));
    given(failed).when((r) => r.beginRelease(UNTIL, ctxAt(T1))).thenRecords('RequestReleaseStarted');
  });

  it('refuses open, completed and return requests, and a window that ends before now', () => {
    given(anAcquireRequest(1)).when((r) => r.beginRelease(UNTIL, ctxAt(T1))).thenFailsWith('VALIDATION_FAILED');
    const ret = aReturnRequest(['i-1']);
    ret.cancel('stop', ctxAt(T1));
    given(ret).when((r) => r.beginRelease(UNTIL, ctxAt(T1))).thenFailsWith('VALIDATION_FAILED');
    expect(issuePaths(() => abandoned().beginRelease(new Date('2026-01-01T00:14:59.999Z'), ctxAt(T1)))).toEqual(['until']);
  });

  it('accepts a window that ends now, and refuses an invalid date as VALIDATION_FAILED naming until', () => {
    given(abandoned()).when((r) => r.beginRelease(new Date(T1), ctxAt(T1))).thenRecords('RequestReleaseStarted');
    given(abandoned()).when((r) => r.beginRelease(new Date(Number.NaN), ctxAt(T1))).thenFailsWith('VALIDATION_FAILED');
    expect(issuePaths(() => abandoned().beginRelease(new Date(Number.NaN), ctxAt(T1)))).toEqual(['until']);
  });

  it('is confirmed only after its window and with nothing of the request alive', () => {
    const request = abandoned();
    request.beginRelease(UNTIL, ctxAt(T1));
    given(request).when((r) => expect(r.confirmRelease([], ctxAt(new Date('2026-01-01T00:44:59.999Z')))).toBe(false)).thenNothingChanges();
    given(request).when((r) => expect(r.confirmRelease(['i-late'], ctxAt(UNTIL))).toBe(false)).thenNothingChanges();
    const { events, aggregate } = given(request).when((r) => expect(r.confirmRelease([], ctxAt(UNTIL))).toBe(true)).thenRecords('RequestReleased');
    expect((events[0] as RequestReleased).data.release.releasedAt).toBe(UNTIL.toISOString());
    expect(aggregate.releasePending).toBe(false);
    given(aggregate).when((r) => expect(r.confirmRelease(['i-late'], ctxAt(UNTIL))).toBe(true)).thenNothingChanges();
  });

  it('cannot be confirmed before it began, and survives a snapshot round trip (absent in older snapshots)', () => {
    given(abandoned()).when((r) => r.confirmRelease([], ctxAt(UNTIL))).thenFailsWith('VALIDATION_FAILED');
    const older = abandoned();
    expect(Request.restore(older.toSnapshot()).release).toBeNull();
    older.beginRelease(UNTIL, ctxAt(T1));
    expect(Request.restore(older.toSnapshot()).release).toEqual(older.release);
  });
});
