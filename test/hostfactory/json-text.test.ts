import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { locateJsonSyntaxError, parseJsonText } from '../../src/hostfactory';

const where = (text: string) => {
  const at = locateJsonSyntaxError(text);
  return at === undefined ? undefined : [at.line, at.column];
};

describe('locateJsonSyntaxError', () => {
  it('finds nothing wrong in valid JSON of every kind', () => {
    for (const text of ['{}', '[]', ' 0 ', '-1.5e+3', '"a\\u00e9\\n"', 'true', 'null', '{"a":[1,{"b":false}],"c":""}', '\n[\n 1 ,\n 2 ]\n']) {
      expect(() => JSON.parse(text)).not.toThrow();
      expect(where(text), text).toBeUndefined();
    }
  });

  it('points at the first character that breaks the grammar, agreeing with JSON.parse', () => {
    const cases: [string, number[]][] = [
      ['PW=hunter2', [1, 1]],
      ['{"a": [1,\n 2,, 3]}', [2, 4]],
      ['{"a":1} x', [1, 9]],
      ['{"a" 1}', [1, 6]],
      ['{,}', [1, 2]],
      ['[1,]', [1, 4]],
      ['01', [1, 2]],
      ['-', [1, 1]],
      ['"a\\x"', [1, 3]],
      ['"tab\there"', [1, 5]],
      ['{"a":tru}', [1, 6]],
      ['', [1, 1]],
      ['{"a": [', [1, 8]],
      ['"open', [1, 6]],
    ];
    for (const [text, expected] of cases) {
      expect(() => JSON.parse(text), text).toThrow(SyntaxError);
      expect(where(text), text).toEqual(expected);
    }
  });

  it('finds an error exactly when JSON.parse refuses the text (generated JSON, cut and spliced)', () => {
    const text = fc.oneof(
      fc.json(),
      fc.tuple(fc.json(), fc.nat(), fc.string({ unit: 'binary', maxLength: 3 })).map(([json, at, insert]) => json.slice(0, at % (json.length + 1)) + insert + json.slice(at % (json.length + 1))),
      fc.string({ unit: 'binary', maxLength: 20 }),
    );
    fc.assert(
      fc.property(text, (candidate) => {
        let valid = true;
        try {
          JSON.parse(candidate);
        } catch {
          valid = false;
        }
        const location = locateJsonSyntaxError(candidate);
        expect(location === undefined, candidate).toBe(valid);
        if (location !== undefined) expect(location.offset).toBeLessThanOrEqual(candidate.length);
      }),
      { numRuns: 2_000 },
    );
  });

  it('survives hostile nesting without recursion', () => {
    expect(where('['.repeat(200_000))).toEqual([1, 200_001]);
  });
});

describe('parseJsonText', () => {
  it('parses valid text and explains invalid text by place only', () => {
    expect(parseJsonText('{"a":1}', () => new Error('unused'))).toEqual({ a: 1 });
    expect(() => parseJsonText('{\n"secret": nope}', (at) => new Error(`bad JSON at ${at}`))).toThrow('bad JSON at line 2, column 11');
    expect(() => parseJsonText('[1, 2', (at) => new Error(`bad JSON at ${at}`))).toThrow('bad JSON at the end of the text (it is cut short)');
  });
});
