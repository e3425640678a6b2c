import { RUNTIME } from '../application/runtime';
import { readStoredEvents, type StoredEvent } from '../storage/event-log';
import { isDomainEvent, type DomainEvent, type DomainEventType } from '../domain/shared/domain-event';
import { Command, isKernelError, Query, type KernelError, type ResultOf } from '../kernel';
import { deadline, onNextTurn } from './real-timers';
import { describeError, mismatch, show } from './scenario/match';
import { actualLine, eventDiff, type ExpectedShape } from './scenario/render';
import { createTestHostFactory, type TestHostFactory, type TestHostFactoryOptions } from './test-host-factory';
import type { ExpectedEvent, GivenStep, Scenario, ScenarioOptions, ScenarioOutcome, ScenarioWhen } from './scenario/scenario.types';

export type { AsymmetricMatcher, ExpectedSubset, ExpectedEvent, GivenStep, ScenarioOutcome, ScenarioOptions, ScenarioWhen, Scenario } from './scenario/scenario.types';

type Step = { kind: 'commands'; commands: Command<unknown>[] } | { kind: 'events'; events: DomainEvent[] } | { kind: 'call'; call: (hf: TestHostFactory) => unknown };

/**
 * Starts a scenario on `hostFactory` (or on a new `createTestHostFactory(options)`). Steps run in
 * the order their `then…` forms are called, one at a time; givens already run are not repeated.
 * A host factory the scenario made itself is disposed once its last step settles (no `when` step
 * left unjudged by the next turn of the event loop); a `when` after that throws. A host factory
 * you pass stays yours to dispose.
 */
export function scenario(hostFactory?: TestHostFactory | TestHostFactoryOptions, options: ScenarioOptions = {}): Scenario {
  const given = isTestHostFactory(hostFactory) ? hostFactory : undefined;
  let made: TestHostFactory | undefined;
  // Made on first use, so a scenario refused while being declared leaves nothing behind.
  const host = (): TestHostFactory => given ?? (made ??= createTestHostFactory(hostFactory as TestHostFactoryOptions | undefined));
  const timeoutMs = options.timeoutMs ?? 5_000;
  const steps: Step[] = [];
  let ran = 0;
  let givenEventsAppended = false;
  let queue: Promise<unknown> = Promise.resolve();
  let declared = 0;
  let settled = 0;
  let disposed = false;

  const stepSettled = (): void => {
    settled += 1;
    if (given !== undefined || settled < declared) return;
    // Wait one real turn: `await s.when(a).then(…); await s.when(b)…` declares b before it runs.
    onNextTurn(() => {
      if (disposed || settled < declared) return;
      disposed = true;
      made?.dispose();
    });
  };

  const runGivens = async (upTo: number): Promise<void> => {
    for (; ran < upTo; ran++) {
      const step = steps[ran]!;
      const hf = host();
      if (step.kind === 'commands') {
        for (const command of step.commands) {
          try {
            await hf.commands.execute(command);
          } catch (error) {
            throw new Error(`Scenario given: ${nameOf(command)} failed with ${describeError(error)}`, { cause: error });
          }
        }
      } else if (step.kind === 'events') {
        await appendEvents(hf, step.events);
        givenEventsAppended = true;
      } else {
        await step.call(hf);
      }
      await hf.settle({ timeoutMs });
    }
  };

  const self: Scenario = {
    get hostFactory() {
      return host();
    },
    given(...items) {
      for (const item of items) {
        if (item instanceof Command) steps.push({ kind: 'commands', commands: [item] });
        else if (typeof item === 'function') steps.push({ kind: 'call', call: item });
        else if (isDomainEvent(item)) steps.push({ kind: 'events', events: [item] });
        else throw new TypeError(`scenario.given(): expected a command, a domain event or a function, got ${show(item, 120)}`);
      }
      return this;
    },
    givenCommands(...commands) {
      const wrong = commands.find((c) => !(c instanceof Command));
      if (wrong !== undefined) throw new TypeError(`scenario.givenCommands(): expected Command instances, got ${show(wrong, 120)}`);
      steps.push({ kind: 'commands', commands });
      return this;
    },
    givenEvents(...events) {
      events.forEach(checkEvent);
      steps.push({ kind: 'events', events: structuredClone(events) });
      return this;
    },
    when(subject: Command<unknown> | Query<unknown> | ((hf: TestHostFactory) => unknown)) {
      if (disposed) {
        throw new Error(
          'Scenario: this scenario made its own host factory and disposed it once its last step settled. ' +
            'To add steps after other awaits, pass one: scenario(createTestHostFactory()), and dispose it yourself (afterEach).',
        );
      }
      declared += 1;
      const upTo = steps.length;
      const label = typeof subject === 'function' ? `when action ${subject.name || '(anonymous)'}` : `when ${nameOf(subject)}`;
      let outcome: Promise<ScenarioOutcome<unknown>> | undefined;
      const run = () => {
        outcome ??= (queue = queue.catch(() => undefined).then(async () => {
          try {
            await runGivens(upTo);
            return await act(host(), subject, timeoutMs, label);
          } finally {
            stepSettled();
          }
        })) as Promise<ScenarioOutcome<unknown>>;
        return outcome;
      };
      return judge(run, label, () => givenEventsAppended);
    },
  } as Scenario;
  return self;
}

async function act(hf: TestHostFactory, subject: Command<unknown> | Query<unknown> | ((hf: TestHostFactory) => unknown), timeoutMs: number, label: string): Promise<ScenarioOutcome<unknown>> {
  const headBefore = await hf.storage.eventLog.head();
  const captured: { result?: unknown; error?: unknown; done: boolean } = { done: false };
  const work = (async () => {
    if (subject instanceof Command) return hf.commands.execute(subject);
    if (subject instanceof Query) return hf.queries.execute(subject);
    return subject(hf);
  })().then(
    (result) => Object.assign(captured, { result, done: true }),
    (error: unknown) => Object.assign(captured, { error, done: true }),
  );
  await hf.settle({ timeoutMs });
  if (!captured.done) {
    const { expired, cancel } = deadline(timeoutMs);
    await Promise.race([work, expired]).finally(cancel);
    if (!captured.done) throw new Error(`Scenario ${label}: the step did not finish within ${timeoutMs} ms.`);
    await hf.settle({ timeoutMs });
  }
  const events = (await readAfter(hf, headBefore)).map((s) => s.event);
  return { result: captured.result, error: captured.error, events, headBefore };
}

function judge(run: () => Promise<ScenarioOutcome<unknown>>, label: string, usedGivenEvents: () => boolean): ScenarioWhen<unknown> {
  const failedStep = (outcome: ScenarioOutcome<unknown>, expectation: string): Error => {
    const hint =
      usedGivenEvents() && isKernelError(outcome.error) && outcome.error.code.endsWith('_NOT_FOUND')
        ? '\nNote: givenEvents() feed read models and event handlers only; commands load aggregates from the repositories, so create what they need with givenCommands().'
        : '';
    return new Error(`Scenario ${label}: expected ${expectation}, but it threw ${describeError(outcome.error)}${hint}`, { cause: outcome.error });
  };
  const when: ScenarioWhen<unknown> = {
    async then(expected: readonly ExpectedEvent[], onRejected?: unknown) {
      if (typeof expected === 'function') {
        // Someone awaited the `when` step itself: refuse, rather than be treated as a thenable.
        const error = new Error(`Scenario ${label}: a when step is not awaitable; end it with .then([...events]), .thenResult(…), .thenThrows(code), .thenNothingHappened() or .outcome().`);
        if (typeof onRejected === 'function') return (onRejected as (e: unknown) => never)(error);
        throw error;
      }
      const shapes = toShapes(expected);
      const outcome = await run();
      if (outcome.error !== undefined) throw failedStep(outcome, `${shapes.length} event(s)`);
      const { lines, first } = eventDiff(shapes, outcome.events);
      if (first !== undefined) {
        throw new Error(
          `Scenario ${label}: the committed events differ from the expected ones (expected ${shapes.length}, got ${outcome.events.length}); ${first}\n` +
            `  (- expected, + actual; each line: type aggregateId data)\n${lines.map((l) => `  ${l}`).join('\n')}`,
        );
      }
      return outcome;
    },
    async thenResult(expected) {
      const outcome = await run();
      if (outcome.error !== undefined) throw failedStep(outcome, 'a result');
      if (typeof expected === 'function') {
        if ((await (expected as (r: unknown) => unknown)(outcome.result)) === false) {
          throw new Error(`Scenario ${label}: the result predicate returned false for ${show(outcome.result)}`);
        }
        return outcome;
      }
      const difference = mismatch(expected, outcome.result, 'result');
      if (difference !== undefined) {
        throw new Error(`Scenario ${label}: the result differs from the expected one; ${difference}\n  - ${show(expected)}\n  + ${show(outcome.result)}`);
      }
      return outcome;
    },
    async thenThrows(code) {
      const outcome = await run();
      if (outcome.error === undefined) {
        const events = outcome.events.map((e) => `\n  + ${actualLine(e)}`).join('');
        throw new Error(`Scenario ${label}: expected it to throw ${code}, but it succeeded with ${show(outcome.result)} and committed ${outcome.events.length} event(s)${events}`);
      }
      if (!isKernelError(outcome.error, code)) {
        throw new Error(`Scenario ${label}: expected it to throw ${code}, but it threw ${describeError(outcome.error)}`, { cause: outcome.error });
      }
      return outcome as ScenarioOutcome<unknown> & { error: KernelError };
    },
    async thenNothingHappened() {
      const outcome = await run();
      if (outcome.error !== undefined) throw failedStep(outcome, 'nothing to happen');
      if (outcome.events.length > 0) {
        const lines = outcome.events.map((e) => `\n  + ${actualLine(e)}`).join('');
        throw new Error(`Scenario ${label}: expected nothing to happen, but it committed ${outcome.events.length} event(s):${lines}`);
      }
      return outcome;
    },
    outcome: run,
  };
  return when;
}

async function appendEvents(hf: TestHostFactory, events: readonly DomainEvent[]): Promise<void> {
  // Start host event delivery first, so the given events reach the event bus like committed ones.
  await hf.container.get(RUNTIME).projector.start();
  await hf.storage.unitOfWork.transaction(async (tx) => tx.outbox.append(events));
}

async function readAfter(hf: TestHostFactory, position: number): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  for (let after = position; ; ) {
    const batch = readStoredEvents(await hf.storage.eventLog.readAfter(after, 500));
    all.push(...batch);
    if (batch.length < 500) return all;
    after = batch[batch.length - 1]!.position;
  }
}

function toShapes(expected: readonly ExpectedEvent[]): ExpectedShape[] {
  if (!Array.isArray(expected)) throw new TypeError(`scenario then(): expected an array of events, got ${show(expected, 120)}`);
  return expected.map((e) => (typeof e === 'string' ? { type: e } : (e as ExpectedShape)));
}

function checkEvent(event: unknown, index: number): void {
  const e = event as Partial<DomainEvent> | undefined;
  const problems = [
    isDomainEvent(event) ? undefined : `type must be a domain event type, got ${show(e?.type)}`,
    typeof e?.aggregateId === 'string' ? undefined : 'aggregateId must be a string',
    typeof e?.aggregateType === 'string' ? undefined : 'aggregateType must be a string',
    Number.isInteger(e?.aggregateVersion) ? undefined : 'aggregateVersion must be an integer',
    typeof e?.eventId === 'string' ? undefined : 'eventId must be a string',
    typeof e?.occurredAt === 'string' ? undefined : 'occurredAt must be an ISO-8601 string',
  ].filter((p) => p !== undefined);
  if (problems.length > 0) throw new TypeError(`scenario.givenEvents(): event #${index + 1} is not a stored domain event: ${problems.join('; ')}`);
}

function isTestHostFactory(value: unknown): value is TestHostFactory {
  return typeof value === 'object' && value !== null && typeof (value as Partial<TestHostFactory>).settle === 'function' && 'commands' in value;
}

function nameOf(message: object): string {
  return message.constructor?.name ?? 'message';
}
