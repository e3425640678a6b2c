import type { Command, Query } from './message';
import type { CommandHandler, EventHandler, EventMessage, QueryHandler } from './handler';
import { annotate, type Constructor, type EventHandlerOptions, type HandlerOptions } from './registry';

/**
 * A class decorator usable both as a legacy (`experimentalDecorators`) and a standard (TC39)
 * decorator: both call it with the class first.
 */
export type HandlerClassDecorator<T> = (target: T, context?: ClassDecoratorContext) => void;

/**
 * Records that a class handles `command` (self-registration): `createKernel()` routes every class so
 * decorated, `createKernel({ handlers })` only those listed. Nothing else changes at decoration: a
 * second class for `command` is judged by each kernel that would route both (`DUPLICATE_HANDLER` at
 * its creation), never here. Decorating the same class again is a no-op.
 */
export function commandHandler<C extends Command<unknown>>(
  command: abstract new (...args: never[]) => C,
  options: HandlerOptions = {},
): HandlerClassDecorator<Constructor<CommandHandler<C>>> {
  return (target) => annotate({ kind: 'command', handler: target, message: command as Constructor, inject: options.inject });
}

/** Marks a class as the handler of `query`; same rules as {@link commandHandler}. */
export function queryHandler<Q extends Query<unknown>>(
  query: abstract new (...args: never[]) => Q,
  options: HandlerOptions = {},
): HandlerClassDecorator<Constructor<QueryHandler<Q>>> {
  return (target) => annotate({ kind: 'query', handler: target, message: query as Constructor, inject: options.inject });
}

/**
 * Marks a class as a handler of the given event types (their `type` strings). Any number of
 * handlers may listen to one type; they run in registration order. Pass `{ inject }` as the last
 * argument when the constructor takes dependencies and the host compiles standard decorators.
 * `{ durable: true }` (or settings) makes it durable: a host factory runs it in a checkpointed
 * processor instead of in-process (docs/processors.md); a plain kernel does not deliver it.
 */
export function eventHandler<E extends EventMessage = EventMessage>(
  ...args: [...eventTypes: string[]] | [...eventTypes: string[], options: EventHandlerOptions]
): HandlerClassDecorator<Constructor<EventHandler<E>>> {
  const last = args[args.length - 1];
  const options: EventHandlerOptions = typeof last === 'object' && last !== null ? last : {};
  const eventTypes = (args as readonly unknown[]).filter((a): a is string => typeof a === 'string');
  if (eventTypes.length === 0) throw new TypeError('@eventHandler() needs at least one event type');
  const durable = options.durable === true ? {} : typeof options.durable === 'object' && options.durable !== null ? { ...options.durable } : undefined;
  return (target) => annotate({ kind: 'event', handler: target, eventTypes, inject: options.inject, ...(durable === undefined ? {} : { durable }) });
}
