// A failing scenario prints each asymmetric matcher with its sample, as Jest's and vitest's own
// diffs do: `StringMatching /abc/`, `Any<Number>`, `ObjectContaining {"a":1}`.
import { describe, expect, it } from 'vitest';
import { CreateTemplate } from '../../src/application/templates/template.commands';
import { ListTemplates } from '../../src/application/templates/template.queries';
import { scenario } from '../../src/testing';
import { show } from '../../src/testing/scenario/match';
import { templateInput } from '../support/templates';

/** Jest's StringMatching as the `expect` package writes it: a name from toString() and a `sample`, no toAsymmetricMatcher(). */
class JestStyleStringMatching {
  constructor(readonly sample: RegExp) {}
  asymmetricMatch(other: unknown): boolean {
    return typeof other === 'string' && this.sample.test(other);
  }
  toString(): string {
    return 'StringMatching';
  }
}

/** A hand-made matcher with neither a name nor a sample. */
const anonymous = { asymmetricMatch: () => false };

async function failure(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => {
      throw new Error('expected the scenario to fail');
    },
    (error: Error) => error.message,
  );
}

describe('matchers in failure messages', () => {
  it('prints vitest’s matchers with their pattern or class, unquoted', () => {
    expect(show({ a: expect.stringMatching(/abc/), b: expect.any(Number), c: expect.objectContaining({ x: 1 }) })).toBe(
      '{"a":StringMatching /abc/,"b":Any<Number>,"c":ObjectContaining {"x":1}}',
    );
    expect(show(expect.stringContaining('small'))).toBe('StringContaining "small"');
  });

  it('prints a matcher written like Jest’s by its name and sample, and an anonymous one by its class', () => {
    expect(show([new JestStyleStringMatching(/^req-/), anonymous])).toBe('[StringMatching /^req-/,Object]');
  });

  it('shows the pattern in a scenario’s event diff and result diff', async () => {
    const events = await failure(
      scenario()
        .when(CreateTemplate.from({ template: templateInput() }))
        .then([{ type: 'TemplateCreated', data: { template: { templateId: new JestStyleStringMatching(/^large$/) } } }]),
    );
    expect(events).toContain('data.template.templateId: expected StringMatching /^large$/, got "small"');
    expect(events).toContain('- TemplateCreated * {"template":{"templateId":StringMatching /^large$/}}');
    const result = await failure(
      scenario()
        .givenCommands(CreateTemplate.from({ template: templateInput() }))
        .when(ListTemplates.from({}))
        .thenResult([{ templateId: expect.stringMatching(/^large/) }]),
    );
    expect(result).toContain('[0].templateId: expected StringMatching /^large/, got "small"');
  });
});
