import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../package/helpers';

/**
 * What an editor offers inside `X.from({ | })`: the TypeScript language service's completions at the
 * cursor, over a virtual file in test/kernel that imports the library from src.
 */
function completionsInFrom(source: string): string[] {
  const file = join(ROOT, 'test', 'kernel', '__completion__.ts');
  const cursor = source.indexOf('|');
  const text = source.replace('|', '');
  const options: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, strict: true, experimentalDecorators: true, skipLibCheck: true, types: [] };
  const host: ts.LanguageServiceHost = {
    getScriptFileNames: () => [file],
    getScriptVersion: () => '1',
    getScriptSnapshot: (name) => {
      const content = name === file ? text : ts.sys.readFile(name);
      return content === undefined ? undefined : ts.ScriptSnapshot.fromString(content);
    },
    getCurrentDirectory: () => ROOT,
    getCompilationSettings: () => options,
    getDefaultLibFileName: ts.getDefaultLibFilePath,
    fileExists: (name) => name === file || ts.sys.fileExists(name),
    readFile: (name) => (name === file ? text : ts.sys.readFile(name)),
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  const service = ts.createLanguageService(host, ts.createDocumentRegistry());
  return (service.getCompletionsAtPosition(file, cursor, {})?.entries ?? []).map((entry) => entry.name);
}

describe('X.from() in an editor', () => {
  it('completes the fields of the message', () => {
    const names = completionsInFrom(`import { RequestMachines } from '../../src/application';\nRequestMachines.from({ | });\n`);
    expect(names).toEqual(expect.arrayContaining(['templateId', 'machineCount', 'tags', 'priority', 'timeoutSeconds', 'idempotencyKey']));
    expect(names).not.toContain('validate');
  });

  it('completes the fields of nested inputs', () => {
    const names = completionsInFrom(`import { GetReturnRequests } from '../../src/application';\nGetReturnRequests.from({ machines: [{ | }] });\n`);
    expect(names).toEqual(expect.arrayContaining(['machineId', 'name']));
  });
});
