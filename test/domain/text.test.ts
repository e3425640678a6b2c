import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/domain/machine/machine';
import { REPLACEMENT_CHARACTER, TEXT_LIMITS, TRUNCATION_MARKER, checkStorableStrings, checkText, codePointLength, normaliseMachineId, normaliseText, textProblem } from '../../src/domain/shared/text';
import { Issues } from '../../src/kernel/validation/issues';
import { parseMachineId } from '../../src/domain/shared/ids';
import { parseTags } from '../../src/domain/shared/tags';
import { parseTemplateDefinition } from '../../src/domain/template/template-definition';
import { aMachine, anAcquireRequest, templateInput } from './support/builders';
import { ctxAt } from './support/context';
import { given, issuePaths } from './support/given';

/** Any UTF-16 text, lone surrogates and NUL included. */
const anyText = fc.string({ unit: 'binary', maxLength: 400 });
const ASTRAL = '\u{1F600}';

describe('the text rule', () => {
  it('counts code points: a surrogate pair once, a variation selector as its own character', () => {
    expect(codePointLength(`a${ASTRAL}b`)).toBe(3);
    expect(codePointLength('a\uFE0F')).toBe(2);
    expect(codePointLength('\uD800\uD800')).toBe(2);
  });

  it('pairs exactly a high surrogate (D800-DBFF) with a low one (DC00-DFFF), at both ends of each range', () => {
    for (const pair of ['\uD800\uDC00', '\uDBFF\uDFFF', '\uD800\uDFFF', '\uDBFF\uDC00']) expect(codePointLength(pair)).toBe(1);
    for (const two of ['\uD7FF\uDC00', '\uDC00\uDC00', '\uD800\uDBFF', '\uD800\uE000']) expect(codePointLength(two)).toBe(2);
  });

  it('accepts exactly the limit in code points, however many UTF-16 units they take', () => {
    expect(textProblem(ASTRAL.repeat(TEXT_LIMITS.id), 'id')).toBeUndefined();
    expect(textProblem(ASTRAL.repeat(TEXT_LIMITS.id + 1), 'id')?.constraint).toBe('textLength');
    expect(textProblem('a\uFE0F'.repeat(TEXT_LIMITS.id / 2) + 'b', 'id')?.constraint).toBe('textLength');
  });

  it('refuses NUL and lone surrogates, naming where they are', () => {
    expect(textProblem('ab\u0000', 'reason')).toMatchObject({ constraint: 'storableText', message: expect.stringContaining('index 2') });
    expect(textProblem('a\uDC00', 'reason')?.message).toContain('U+DC00');
    expect(textProblem('\uD800a', 'reason')?.message).toContain('U+D800');
    expect(textProblem(`${ASTRAL}\u2028'"\\`, 'reason')).toBeUndefined();
  });
});

describe('normaliseText (the cloud\'s text)', () => {
  it('always gives storable text within the limit, leaves storable text alone, and is idempotent', () => {
    fc.assert(
      fc.property(anyText, fc.constantFrom(...(Object.keys(TEXT_LIMITS) as (keyof typeof TEXT_LIMITS)[])), (text, kind) => {
        const normalised = normaliseText(text, kind);
        expect(textProblem(normalised, kind)).toBeUndefined();
        expect(normaliseText(normalised, kind)).toBe(normalised);
        if (textProblem(text, kind) === undefined) expect(normalised).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('replaces NUL and lone surrogates with U+FFFD and marks a cut', () => {
    expect(normaliseText('a\u0000b\uD800c\uDC00', 'reason')).toBe(`a${REPLACEMENT_CHARACTER}b${REPLACEMENT_CHARACTER}c${REPLACEMENT_CHARACTER}`);
    const cut = normaliseText(ASTRAL.repeat(300), 'name');
    expect(codePointLength(cut)).toBe(TEXT_LIMITS.name);
    expect(cut).toBe(`${ASTRAL.repeat(TEXT_LIMITS.name - 1)}${TRUNCATION_MARKER}`);
  });
});

describe('normaliseMachineId', () => {
  it('keeps an id that follows the rule, U+FFFD included', () => {
    expect(normaliseMachineId('i-0721bb06651cad7f1')).toBe('i-0721bb06651cad7f1');
    expect(normaliseMachineId(`i-1${REPLACEMENT_CHARACTER}`)).toBe(`i-1${REPLACEMENT_CHARACTER}`);
    expect(normaliseMachineId(ASTRAL.repeat(TEXT_LIMITS.id))).toBe(ASTRAL.repeat(TEXT_LIMITS.id));
  });

  it('keeps two ids apart when their text normalises alike, and answers the same for the same id', () => {
    const ids = ['i-1\u0000', 'i-1\uD800', 'i-1\uDFFF', `i-1${REPLACEMENT_CHARACTER}`, ' i-1', 'i-1 ', `${'x'.repeat(300)}a`, `${'x'.repeat(300)}b`, ''];
    const normalised = ids.map(normaliseMachineId);
    expect(new Set(normalised).size).toBe(ids.length);
    expect(ids.map(normaliseMachineId)).toEqual(normalised);
    for (const id of normalised) expect(parseMachineId(id)).toBe(id);
  });

  it('is a valid machine id for any text, kept when given again, and apart from any other id but its own answer', () => {
    fc.assert(
      fc.property(anyText, anyText, (a, b) => {
        const [na, nb] = [normaliseMachineId(a), normaliseMachineId(b)];
        expect(parseMachineId(na)).toBe(na);
        expect(normaliseMachineId(na)).toBe(na);
        // Only an id equal to another's answer (a provider echoing what it was handed) shares it.
        if (a !== b && b !== na && a !== nb) expect(na).not.toBe(nb);
        if (na !== a) expect(na).toMatch(/\uFFFD[0-9a-f]{24}$/);
      }),
      { numRuns: 500 },
    );
  });
});

describe('a host\'s text', () => {
  it('is VALIDATION_FAILED naming the tag, the machine id, the reason or the template field', () => {
    expect(issuePaths(() => parseTags({ team: 'a\u0000', ['k\uD800']: 'v', ok: ASTRAL.repeat(256) }, 'tags'))).toEqual(['tags.team', 'tags.k\uD800']);
    expect(issuePaths(() => parseMachineId('i-\uDC00'))).toEqual(['machineId']);
    expect(issuePaths(() => parseTemplateDefinition(templateInput({ imageId: 'ami-\u0000', attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '1'], nram: ['Numeric', '1'], zone: ['String', '\uD83D'] } })))).toEqual(['attributes.zone[1]', 'imageId']);
  });

  it('is refused as a cancel reason, a status reason and a machine fact, and nothing changes', () => {
    given(anAcquireRequest()).when((r) => r.cancel('stop\u0000', ctxAt())).thenFailsWith('VALIDATION_FAILED');
    given(anAcquireRequest()).when((r) => r.changeStatus('failed', 'x'.repeat(TEXT_LIMITS.reason + 1), ctxAt())).thenFailsWith('VALIDATION_FAILED');
    given(aMachine()).when((m) => m.report({ status: 'running', name: 'host\uD800' }, ctxAt())).thenFailsWith('VALIDATION_FAILED');
    expect(issuePaths(() => Machine.create({ machineId: 'i-1', requestId: 'req-00000000-0000-4000-8000-0000000000aa', templateId: 't', statusReason: 'a\u0000' }, ctxAt()))).toEqual(['statusReason']);
  });
});

describe('text limits counted in code points, at the edge', () => {
  const limit = TEXT_LIMITS.reason;

  it('leaves text longer than the limit in UTF-16 units but within it in code points unchanged', () => {
    const emoji = '\u{1F600}'.repeat(limit / 2 + 100);
    expect(emoji.length).toBeGreaterThan(limit);
    expect(normaliseText(emoji, 'reason')).toBe(emoji);
    const exact = `${'a'.repeat(limit - 1)}\u{1F600}`;
    expect(codePointLength(exact)).toBe(limit);
    expect(normaliseText(exact, 'reason')).toBe(exact);
  });

  it('says whether the text follows the rule: true, or false with the issue collected', () => {
    const issues = new Issues();
    expect(checkText(issues, 'reason', 'fine', 'reason')).toBe(true);
    expect(issues.count).toBe(0);
    expect(checkText(issues, 'reason', 'x'.repeat(limit + 1), 'reason')).toBe(false);
    expect(issues.count).toBe(1);
  });
});

describe('checkStorableStrings', () => {
  const issuesOf = (value: unknown): number => {
    const issues = new Issues();
    checkStorableStrings(issues, 'doc', value);
    return issues.count;
  };
  /** `levels` objects, each holding the next under `a`, the innermost holding `text`. */
  const nested = (levels: number, text: string): unknown => {
    let value: unknown = { a: text };
    for (let i = 1; i < levels; i++) value = { a: value };
    return value;
  };

  it('refuses only what storage cannot hold: a long string is not its business', () => {
    expect(issuesOf({ a: 'x'.repeat(TEXT_LIMITS.reason + 1) })).toBe(0);
    expect(issuesOf({ a: 'nul\u0000' })).toBe(1);
  });

  it('walks 64 levels of objects and no deeper', () => {
    expect(issuesOf(nested(64, 'nul\u0000'))).toBe(1);
    expect(issuesOf(nested(65, 'nul\u0000'))).toBe(0);
  });
});
