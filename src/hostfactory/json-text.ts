/** Where a JSON text stops being valid: 1-based line and column (in UTF-16 code units). */
export interface JsonSyntaxLocation {
  readonly line: number;
  readonly column: number;
  /** 0-based offset into the text. */
  readonly offset: number;
}

/**
 * Parses `text` as JSON. On a syntax error it throws what `explain` returns, given a description of
 * where the text stops being valid ("line 3, column 14" or "the end of the text"). The engine's own
 * message is never used: it quotes the start of the text, which may be anything (a secret, too).
 */
export function parseJsonText(text: string, explain: (where: string, location: JsonSyntaxLocation | undefined) => Error): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const location = locateJsonSyntaxError(text);
    const where = location === undefined ? 'an unknown place' : location.offset >= text.length ? 'the end of the text (it is cut short)' : `line ${location.line}, column ${location.column}`;
    throw explain(where, location);
  }
}

/** The first place `text` breaks the JSON grammar (RFC 8259), or undefined when it is valid JSON. */
export function locateJsonSyntaxError(text: string): JsonSyntaxLocation | undefined {
  const offset = firstInvalidOffset(text);
  if (offset === undefined) return undefined;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1, offset };
}

type Expect = 'value' | 'firstValue' | 'key' | 'firstKey' | 'after';

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;

// Iterative (an explicit stack), so hostile nesting cannot overflow the call stack.
function firstInvalidOffset(text: string): number | undefined {
  const stack: ('{' | '[')[] = [];
  let i = 0;
  let expect: Expect = 'value';
  for (;;) {
    i = skipWhitespace(text, i);
    if (i >= text.length) return expect === 'after' && stack.length === 0 ? undefined : i;
    const c = text[i]!;
    if (expect === 'after') {
      const top = stack[stack.length - 1];
      if (top === undefined) return i;
      if (c === ',') {
        i += 1;
        expect = top === '{' ? 'key' : 'value';
      } else if (c === (top === '{' ? '}' : ']')) {
        stack.pop();
        i += 1;
      } else return i;
      continue;
    }
    if (expect === 'key' || expect === 'firstKey') {
      if (expect === 'firstKey' && c === '}') {
        stack.pop();
        i += 1;
        expect = 'after';
        continue;
      }
      if (c !== '"') return i;
      const end = scanString(text, i);
      if (end < 0) return -end - 1;
      i = skipWhitespace(text, end);
      if (text[i] !== ':') return i;
      i += 1;
      expect = 'value';
      continue;
    }
    if (expect === 'firstValue' && c === ']') {
      stack.pop();
      i += 1;
      expect = 'after';
      continue;
    }
    if (c === '{' || c === '[') {
      stack.push(c);
      i += 1;
      expect = c === '{' ? 'firstKey' : 'firstValue';
      continue;
    }
    const end = scanScalar(text, i);
    if (end < 0) return -end - 1;
    i = end;
    expect = 'after';
  }
}

function skipWhitespace(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i += 1;
  return i;
}

/** The offset after the scalar at `i`, or `-(errorOffset + 1)`. */
function scanScalar(text: string, i: number): number {
  if (text[i] === '"') return scanString(text, i);
  for (const literal of ['true', 'false', 'null']) {
    if (text.startsWith(literal, i)) return i + literal.length;
  }
  NUMBER.lastIndex = i;
  const match = NUMBER.exec(text);
  if (match !== null && match[0] !== '' && match[0] !== '-') return i + match[0].length;
  return -(i + 1);
}

/** The offset after the string opening at `i`, or `-(errorOffset + 1)`. */
function scanString(text: string, i: number): number {
  for (let at = i + 1; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === 34) return at + 1;
    if (code < 0x20) return -(at + 1);
    if (code !== 92) continue;
    const escape = text[at + 1];
    if (escape === 'u') {
      if (!HEX4.test(text.slice(at + 2, at + 6))) return -(at + 1);
      at += 5;
    } else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) at += 1;
    else return -(at + 1);
  }
  return -(text.length + 1);
}
