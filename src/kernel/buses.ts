import type { CommandHandler, ExecuteOptions, QueryHandler } from './handler';
import type { Command, Query, ResultOf } from './message';
import type { MessageBusCore } from './message-bus';
import type { Constructor } from './registry';

/**
 * Sends each command to its one handler through the kernel's middleware pipeline. Obtain it from
 * `createKernel()`; the result type is inferred from the command class.
 */
export class CommandBus {
  /** @internal Use `createKernel()`. */
  constructor(private readonly core: MessageBusCore) {}

  /**
   * Runs `command` through the pipeline and its handler and resolves to the handler's result.
   * Rejects with `HANDLER_NOT_FOUND` when no handler is registered for the command's class.
   */
  execute<C extends Command<unknown>>(command: C, options?: ExecuteOptions): Promise<ResultOf<C>> {
    return this.core.execute(command, options) as Promise<ResultOf<C>>;
  }

  /**
   * Routes `commandClass` to `handler` (an instance, or a class built from this kernel's container)
   * in this kernel only, replacing any handler it had. Tests use it to swap in fakes.
   */
  register<C extends Command<unknown>>(
    commandClass: abstract new (...args: never[]) => C,
    handler: CommandHandler<C> | Constructor<CommandHandler<C>>,
  ): void {
    this.core.route(commandClass as unknown as Constructor, handler as never);
  }
}

/** Sends each query to its one handler through the kernel's middleware pipeline. */
export class QueryBus {
  /** @internal Use `createKernel()`. */
  constructor(private readonly core: MessageBusCore) {}

  /**
   * Runs `query` through the pipeline and its handler and resolves to the handler's result.
   * Rejects with `HANDLER_NOT_FOUND` when no handler is registered for the query's class.
   */
  execute<Q extends Query<unknown>>(query: Q, options?: ExecuteOptions): Promise<ResultOf<Q>> {
    return this.core.execute(query, options) as Promise<ResultOf<Q>>;
  }

  /** Routes `queryClass` to `handler` in this kernel only, replacing any handler it had. */
  register<Q extends Query<unknown>>(
    queryClass: abstract new (...args: never[]) => Q,
    handler: QueryHandler<Q> | Constructor<QueryHandler<Q>>,
  ): void {
    this.core.route(queryClass as unknown as Constructor, handler as never);
  }
}
