// Scenario expectations accept any asymmetric matcher, typed or not: Jest's `expect.stringMatching`
// returns a class instance (not `any` as vitest's does), which must compile wherever a value may go.
import { expectTypeOf, it } from 'vitest';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import { ListTemplates } from '../../src/application/templates/template.queries';
import { scenario, type AsymmetricMatcher, type ExpectedEvent, type ExpectedSubset } from '../../src/testing';

/** The shape of Jest's `expect` matchers (package `expect`, class AsymmetricMatcher), copied structurally. */
declare abstract class JestAsymmetricMatcher<T> {
  protected sample: T;
  protected inverse: boolean;
  $$typeof: symbol;
  constructor(sample: T, inverse?: boolean);
  abstract asymmetricMatch(other: unknown): boolean;
  abstract toString(): string;
  getExpectedType?(): string;
  toAsymmetricMatcher?(): string;
}
declare const stringMatching: (pattern: string | RegExp) => JestAsymmetricMatcher<string | RegExp>;
declare const objectContaining: <E = {}>(sample: Record<string, unknown>) => JestAsymmetricMatcher<Record<string, unknown>> & E;

it('takes typed matchers in events, data at any depth, and results', () => {
  expectTypeOf(stringMatching(/x/)).toMatchTypeOf<AsymmetricMatcher>();
  const event: ExpectedEvent = {
    type: 'TemplateCreated',
    aggregateId: stringMatching(/^small$/),
    aggregateVersion: objectContaining({}),
    data: { template: { templateId: stringMatching('small'), attributes: objectContaining({ type: ['String', 'X86_64'] }) } },
  };
  void scenario().when(CreateTemplate.from({ template: {} })).then([event]);
  void scenario().when(ListTemplates.from({})).thenResult([{ templateId: stringMatching(/s/) }]);
  void scenario().when(ListTemplates.from({})).thenResult(objectContaining({ length: 1 }));
  expectTypeOf<ExpectedSubset<string>>().toEqualTypeOf<AsymmetricMatcher | string | RegExp>();
});

it('still refuses a value of the wrong type', () => {
  // @ts-expect-error a number where the template id (a string) goes
  void scenario().when(ListTemplates.from({})).thenResult([{ templateId: 42 }]);
  // @ts-expect-error an object without asymmetricMatch is not a matcher
  const wrong: ExpectedEvent = { type: 'TemplateCreated', aggregateId: { match: () => true } };
  void wrong;
});
