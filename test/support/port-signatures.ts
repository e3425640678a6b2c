import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/** The source files that declare the ports a host implements (storage, provider, clock, ids, logger). */
export const PORT_FILES = [
  'src/storage/storage.ts',
  'src/storage/unit-of-work.ts',
  'src/storage/repositories.ts',
  'src/storage/event-log.ts',
  'src/storage/read-model-store.ts',
  'src/application/provider/provider.port.ts',
  'src/domain/shared/ports.ts',
  'src/kernel/logger.ts',
];

/** One member of a port interface, as its declaration reads in the source (one line, no doc comment). */
export interface PortMember {
  readonly port: string;
  readonly member: string;
  readonly signature: string;
}

/**
 * Every member of every port interface in {@link PORT_FILES}, read with the TypeScript compiler:
 * an exported interface is a port when it declares at least one method, or is `Storage` (the bundle).
 */
export function portMembers(root: string): PortMember[] {
  const members: PortMember[] = [];
  for (const file of PORT_FILES) {
    const source = ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.ES2022, true);
    for (const statement of source.statements) {
      if (!ts.isInterfaceDeclaration(statement)) continue;
      if (!statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
      const port = statement.name.text;
      const hasMethod = statement.members.some(ts.isMethodSignature);
      if (!hasMethod && port !== 'Storage') continue;
      for (const member of statement.members) {
        const name = member.name && (ts.isIdentifier(member.name) || ts.isStringLiteral(member.name)) ? member.name.text : member.getText(source);
        const signature = member.getText(source).replace(/\s+/g, ' ').replace(/;$/, '').trim();
        members.push({ port, member: name, signature });
      }
    }
  }
  return members;
}
