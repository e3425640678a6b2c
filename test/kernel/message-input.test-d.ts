import { describe, expectTypeOf, it } from 'vitest';
import { GetReturnRequests } from '../../src/application/requests/request.queries';
import { RequestMachines } from '../../src/application/requests/request.commands';
import { Command, type MessageInput } from '../../src/kernel';

class Schedule extends Command<void> {
  name!: string;
  at!: Date;
  retries?: number;
  labels: string[] = [];
  nested!: { zone: string; weight?: number };
  payload!: unknown;
  describe(): string {
    return this.name;
  }
}

describe('X.from() input', () => {
  it('is typed by the message fields, every one optional, methods and type-only keys left out', () => {
    expectTypeOf<MessageInput<Schedule>>().toEqualTypeOf<{
      name?: string;
      at?: Date | string;
      retries?: number | null;
      labels?: readonly string[];
      nested?: { zone?: string; weight?: number | null };
      payload?: unknown;
    }>();
  });

  // That editors complete these fields inside `X.from({ … })` is shown by message-input.test.ts.
  it('types the fields of the library messages', () => {
    expectTypeOf<MessageInput<RequestMachines>>().toHaveProperty('machineCount').toEqualTypeOf<number | undefined>();
    expectTypeOf<MessageInput<RequestMachines>>().toHaveProperty('tags').toEqualTypeOf<{ [x: string]: string | undefined } | null | undefined>();
    expectTypeOf<MessageInput<GetReturnRequests>>().toHaveProperty('machines').toEqualTypeOf<readonly { machineId?: string | null; name?: string | null }[] | null | undefined>();
    expectTypeOf(RequestMachines.from({ templateId: 'small', machineCount: 2 })).toEqualTypeOf<RequestMachines>();
  });

  it('still accepts untrusted input typed unknown', () => {
    const body: unknown = JSON.parse('{}');
    expectTypeOf(RequestMachines.from(body)).toEqualTypeOf<RequestMachines>();
  });
});
