import { describe, expect, it } from 'vitest';
import { REQUEST_STATUSES, REQUEST_TRANSITIONS, type RequestStatus } from '../../src/domain/request/request-status';
import { type Request } from '../../src/domain/request/request';
import { anAcquireRequest } from './support/builders';
import { ctxAt } from './support/context';
import { given } from './support/given';

const ALLOWED: Record<RequestStatus, RequestStatus[]> = {
  pending: ['in_progress', 'failed', 'cancelled'],
  in_progress: ['completed', 'partial', 'failed', 'cancelled', 'timeout'],
  completed: [],
  partial: [],
  failed: [],
  cancelled: [],
  timeout: [],
};
const TERMINAL = new Set<RequestStatus>(['completed', 'partial', 'failed', 'cancelled', 'timeout']);

/** A request brought to `status` through allowed moves only. */
function requestIn(status: RequestStatus): Request {
  const ctx = ctxAt();
  const request = anAcquireRequest(2, ctx);
  if (status === 'pending') return request;
  if (status === 'failed' || status === 'cancelled') {
    request.changeStatus(status, 'setup', ctx);
    return request;
  }
  request.changeStatus('in_progress', 'setup', ctx);
  if (status !== 'in_progress') request.changeStatus(status, 'setup', ctx);
  return request;
}

const cells = REQUEST_STATUSES.flatMap((from) => REQUEST_STATUSES.map((to) => ({ from, to })));

describe('Request status machine', () => {
  it('matches the table of the spec', () => {
    expect(REQUEST_TRANSITIONS).toEqual(ALLOWED);
  });

  it.each(cells.filter(({ from, to }) => ALLOWED[from].includes(to)))('lets a $from request move to $to', ({ from, to }) => {
    const expected = TERMINAL.has(to) ? ['RequestStatusChanged', 'RequestCompleted'] as const : ['RequestStatusChanged'] as const;
    const { events, aggregate } = given(requestIn(from))
      .when((r) => r.changeStatus(to, 'operator decision', ctxAt()))
      .thenRecords(...expected);
    expect(events.filter((e) => e.type === 'RequestStatusChanged')).toHaveLength(1);
    expect(events[0]?.data).toMatchObject({ from, to, reason: 'operator decision' });
    expect(aggregate.status).toBe(to);
    expect(aggregate.statusMessage).toBe('operator decision');
    expect(aggregate.completedAt === null).toBe(!TERMINAL.has(to));
  });

  it.each(cells.filter(({ from, to }) => from !== to && !ALLOWED[from].includes(to)))(
    'refuses to move a $from request to $to and changes nothing',
    ({ from, to }) => {
      const { error } = given(requestIn(from))
        .when((r) => r.changeStatus(to, 'operator decision', ctxAt()))
        .thenFailsWith('INVALID_REQUEST_STATE_TRANSITION');
      expect(error.details).toMatchObject({ from, to });
      expect(error.message).toContain(`"${from}"`);
      expect(error.message).toContain(`"${to}"`);
    },
  );

  it.each(REQUEST_STATUSES)('treats a move of a %s request to its own status as a no-op', (status) => {
    given(requestIn(status)).when((r) => r.changeStatus(status, 'again', ctxAt())).thenNothingChanges();
  });

  it('rejects a status that does not exist', () => {
    given(requestIn('pending'))
      .when((r) => r.changeStatus('running' as RequestStatus, 'typo', ctxAt()))
      .thenFailsWith('VALIDATION_FAILED');
  });
});
