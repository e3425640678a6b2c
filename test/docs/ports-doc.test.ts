import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../package/helpers';
import { portMembers } from '../support/port-signatures';

/** The text under each heading of docs/ports.md (down to the next heading of the same or a higher level), whitespace collapsed. */
function sections(markdown: string): { heading: string; body: string }[] {
  const lines = markdown.split('\n');
  const found: { heading: string; body: string }[] = [];
  lines.forEach((line, index) => {
    const level = /^(#+) /.exec(line)?.[1]?.length;
    if (level === undefined) return;
    const end = lines.findIndex((other, i) => i > index && (/^(#+) /.exec(other)?.[1]?.length ?? Infinity) <= level);
    found.push({ heading: line, body: lines.slice(index + 1, end < 0 ? undefined : end).join(' ').replace(/\s+/g, ' ') });
  });
  return found;
}

const DOC = readFileSync(join(ROOT, 'docs', 'ports.md'), 'utf8');
const MEMBERS = portMembers(ROOT);

describe('docs/ports.md shows every port member with its signature', () => {
  it('reads the ports from the source', () => {
    const ports = new Set(MEMBERS.map((m) => m.port));
    for (const port of ['Storage', 'UnitOfWork', 'Transaction', 'Outbox', 'TemplateRepository', 'RequestRepository', 'MachineRepository', 'EventLog', 'ReadModelStore', 'ProviderPort', 'Clock', 'IdGenerator', 'Logger']) {
      expect(ports, `port ${port} was not found in the source`).toContain(port);
    }
  });

  for (const { port, member, signature } of MEMBERS) {
    it(`${port}.${member}`, () => {
      const own = sections(DOC).filter((s) => s.heading.includes(`\`${port}\``));
      expect(own.length, `docs/ports.md has no heading naming \`${port}\``).toBeGreaterThan(0);
      const shown = own.some((s) => s.body.includes(`\`${signature}\``));
      expect(shown, `docs/ports.md does not show \`${signature}\` under a heading naming \`${port}\`; add it with its rule`).toBe(true);
    });
  }
});
