import { ValidationError } from '../../kernel/errors';
import { Issues, describeValue } from '../../kernel/validation';
import type { DomainContext } from '../shared/ports';
import type { RequestRelease, RequestState } from './request-state';

type ReleaseTerms = Pick<RequestState, 'requestId' | 'type' | 'status' | 'release'>;

/**
 * Checks the start of a release (see `Request.beginRelease`): VALIDATION_FAILED for a return
 * request, another status than failed or cancelled, or `until` before `ctx.now`. Returns the release
 * to record, or `null` when one already began (its window is kept).
 */
export function startRelease(request: ReleaseTerms, until: Date, ctx: DomainContext): RequestRelease | null {
  const issues = new Issues();
  if (request.type !== 'acquire' || (request.status !== 'failed' && request.status !== 'cancelled')) {
    issues.add('', 'isSettledAcquire', `request ${request.requestId} is ${request.type} ${request.status}; only an acquire request settled failed or cancelled releases its provision`);
  }
  if (!(until instanceof Date) || Number.isNaN(until.getTime()) || until.getTime() < ctx.now.getTime()) {
    issues.add('until', 'notBeforeNow', `must be a date at or after ${ctx.now.toISOString()}, got ${describeValue(until)}`);
  }
  issues.throwIfAny('release');
  if (request.release != null) return null;
  return { since: ctx.now.toISOString(), until: until.toISOString(), releasedAt: null };
}

/**
 * Judges a release (see `Request.confirmRelease`): `true` when it ended before, `false` while its
 * window is open (`ctx.now` < `until`) or the cloud still reports machines `alive`, else the release
 * ended at `ctx.now`, to record. VALIDATION_FAILED when no release began.
 */
export function endRelease(request: ReleaseTerms, alive: readonly string[], ctx: DomainContext): boolean | RequestRelease {
  const release = request.release;
  if (release == null) {
    throw new ValidationError('release', [{ path: '', constraint: 'releaseBegun', message: `request ${request.requestId} has no release to confirm; call beginRelease first` }]);
  }
  if (release.releasedAt !== null) return true;
  if (ctx.now.getTime() < Date.parse(release.until) || alive.length > 0) return false;
  return { ...release, releasedAt: ctx.now.toISOString() };
}
