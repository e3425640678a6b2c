import { describe, expectTypeOf, it } from 'vitest';
import { eventHandler, type DomainEvent, type EventHandler, type MachineStatusChanged, type RequestCompleted, type TemplateCreated } from '../../src/index';
import { isDomainEvent } from '../../src/storage';

describe('the domain event types a host names', () => {
  it('types a handler of one event by its exported type', () => {
    @eventHandler<RequestCompleted>('RequestCompleted')
    class NotifyOnCompletion implements EventHandler<RequestCompleted> {
      handle(event: RequestCompleted): void {
        expectTypeOf(event.type).toEqualTypeOf<'RequestCompleted'>();
        expectTypeOf(event.data.succeeded).toEqualTypeOf<number | null>();
        // @ts-expect-error a RequestCompleted carries no machine id
        void event.data.machineId;
      }
    }
    void NotifyOnCompletion;
  });

  it('are members of the DomainEvent union, narrowed by type', () => {
    const narrow = (event: DomainEvent) => {
      if (event.type === 'MachineStatusChanged') expectTypeOf(event).toEqualTypeOf<MachineStatusChanged>();
      if (event.type === 'TemplateCreated') expectTypeOf(event).toEqualTypeOf<TemplateCreated>();
    };
    void narrow;
    expectTypeOf(isDomainEvent).guards.toEqualTypeOf<DomainEvent>();
  });
});
