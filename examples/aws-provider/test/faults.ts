import { Readable } from 'node:stream';
import type { EC2Client } from '@aws-sdk/client-ec2';

/** The part of an SDK middleware these helpers use (the SDK's own types live in a transitive package). */
type Middleware = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => Promise<unknown>;

/** Attempts that reached the wire (or the fault), per command name. */
export type CallLog = Map<string, number>;

/**
 * Counts every attempt of every command: a middleware placed inside the SDK's retry loop, so each
 * retry counts. Returns the live log.
 */
export function logAttempts(client: EC2Client): CallLog {
  const log: CallLog = new Map();
  const count: Middleware = (next, context) => async (args) => {
      log.set(context.commandName ?? '?', (log.get(context.commandName ?? '?') ?? 0) + 1);
      return next(args);
    };
  client.middlewareStack.addRelativeTo(count as never, { relation: 'after', toMiddleware: 'retryMiddleware', name: 'testLogAttempts' });
  return log;
}

/** One answer EC2 gives instead of doing the work. */
export interface Fault {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** EC2's throttling answer. */
export const THROTTLED: Fault = { status: 503, code: 'RequestLimitExceeded', message: 'Request limit exceeded.' };
/** An EC2 internal error. */
export const INTERNAL: Fault = { status: 500, code: 'InternalError', message: 'An internal error has occurred.' };

/**
 * Answers the next attempts of `commandName` with `faults` in order (EC2's XML error documents,
 * decoded by the SDK's own deserializer), then lets calls through. Sits inside the retry loop.
 */
export function injectFaults(client: EC2Client, commandName: string, faults: Fault[]): void {
  const queue = [...faults];
  const answer: Middleware = (next, context) => async (args) => {
      const fault = context.commandName === commandName ? queue.shift() : undefined;
      if (fault === undefined) return next(args);
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${fault.code}</Code><Message>${fault.message}</Message></Error></Errors><RequestID>test-${Date.now()}</RequestID></Response>`;
      return { response: { statusCode: fault.status, reason: 'fault', headers: { 'content-type': 'text/xml' }, body: Readable.from([Buffer.from(body)]) } };
    };
  client.middlewareStack.addRelativeTo(answer as never, { relation: 'after', toMiddleware: 'deserializerMiddleware', name: `testFaults${commandName}` });
}
