import { describe, expectTypeOf, it } from 'vitest';
import {
  Command,
  commandHandler,
  createKernel,
  Query,
  queryHandler,
  type CommandHandler,
  type QueryHandler,
  type ResultOf,
} from '../../src/kernel';

class CreateThing extends Command<{ id: string }> {}
class Fire extends Command {}
class GetCount extends Query<number> {}

describe('message result types', () => {
  it('are read back by ResultOf', () => {
    expectTypeOf<ResultOf<CreateThing>>().toEqualTypeOf<{ id: string }>();
    expectTypeOf<ResultOf<Fire>>().toEqualTypeOf<void>();
    expectTypeOf<ResultOf<GetCount>>().toEqualTypeOf<number>();
  });

  it('are inferred by execute() with no generic argument', () => {
    const kernel = createKernel();
    expectTypeOf(kernel.commands.execute(new CreateThing())).toEqualTypeOf<Promise<{ id: string }>>();
    expectTypeOf(kernel.commands.execute(new Fire())).toEqualTypeOf<Promise<void>>();
    expectTypeOf(kernel.queries.execute(new GetCount())).toEqualTypeOf<Promise<number>>();
  });

  it('keep commands and queries on their own bus', () => {
    const kernel = createKernel();
    // @ts-expect-error a query is not a command
    void kernel.commands.execute(new GetCount());
    // @ts-expect-error a command is not a query
    void kernel.queries.execute(new CreateThing());
    // @ts-expect-error a plain object is not a command
    void kernel.commands.execute({ id: 'x' });
  });

  it('type from() as the class it is called on', () => {
    expectTypeOf(GetCount.from({})).toEqualTypeOf<GetCount>();
  });
});

describe('handlers', () => {
  it('accept a handler returning the declared result', () => {
    @commandHandler(CreateThing)
    class Good implements CommandHandler<CreateThing> {
      async handle() {
        return { id: 'x' };
      }
    }
    void Good;
  });

  it('reject a handler returning the wrong result type', () => {
    class WrongResult implements QueryHandler<GetCount> {
      // @ts-expect-error a string is not the number GetCount declares
      handle() {
        return 'three';
      }
    }
    void WrongResult;

    // @ts-expect-error the decorator checks the handler against the query's result type
    @queryHandler(GetCount)
    class Undeclared {
      handle() {
        return 'three';
      }
    }
    void Undeclared;
  });

  it('reject registering a handler of the wrong result type', () => {
    const kernel = createKernel();
    // @ts-expect-error GetCount resolves to a number
    kernel.queries.register(GetCount, { handle: () => 'nope' });
    kernel.queries.register(GetCount, { handle: async () => 3 });
  });
});
