import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { importGraph, sourceFiles, SRC } from './source-graph';

/*
 * Handler files hold handlers only: shared use-case code lives in modules of its own, so walking a
 * use case never jumps into another handler's file, and only the handler list imports handler files.
 */
const HANDLER_FILE = /\.(handler|handlers|query-handlers)\.ts$/;
const HANDLER_LIST = 'application/handlers.ts';

/** Every exported name of a file that is not a class named `…Handler`, as `file: name`. */
function nonHandlerExports(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  for (const statement of source.statements) {
    const exported = ts.canHaveModifiers(statement) && (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (ts.isExportDeclaration(statement) || ts.isExportAssignment(statement)) {
      found.push(`${file}: ${statement.getText(source).slice(0, 60)}`);
      continue;
    }
    if (!exported) continue;
    if (ts.isClassDeclaration(statement) && statement.name !== undefined && statement.name.text.endsWith('Handler')) continue;
    const names = ts.isVariableStatement(statement)
      ? statement.declarationList.declarations.map((d) => d.name.getText(source))
      : [(statement as ts.DeclarationStatement).name?.getText(source) ?? '(anonymous)'];
    found.push(...names.map((name) => `${file}: ${name}`));
  }
  return found;
}

describe('handler files', () => {
  it('export handler classes only', () => {
    const strays = sourceFiles(SRC)
      .filter((file) => HANDLER_FILE.test(file))
      .flatMap((file) => nonHandlerExports(relative(SRC, file), readFileSync(file, 'utf8')));
    expect(strays).toEqual([]);
  });

  it('are imported by the handler list alone', () => {
    const importers: string[] = [];
    for (const [file, imports] of importGraph()) {
      if (relative(SRC, file) === HANDLER_LIST) continue;
      for (const imported of imports) if (HANDLER_FILE.test(imported)) importers.push(`${relative(SRC, file)} → ${relative(SRC, imported)}`);
    }
    expect(importers).toEqual([]);
  });

  it('flags a helper function, a constant, a re-export and a non-handler class (self-check)', () => {
    const text = [
      'export class GoodHandler {}',
      'export function helper() {}',
      'export const LIMIT = 1;',
      "export { x } from './x';",
      'export class NotAHandlerError extends Error {}',
      'class Private {}',
      'export type Shape = string;',
    ].join('\n');
    expect(nonHandlerExports('f.handler.ts', text)).toEqual([
      'f.handler.ts: helper',
      'f.handler.ts: LIMIT',
      "f.handler.ts: export { x } from './x';",
      'f.handler.ts: NotAHandlerError',
      'f.handler.ts: Shape',
    ]);
  });
});
