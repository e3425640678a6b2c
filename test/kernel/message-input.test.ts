import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../package/helpers';

/** A virtual file in test/kernel that imports the library from src; its text changes per question. */
const FILE = join(ROOT, 'test', 'kernel', '__completion__.ts');
let text = '';
let version = 0;

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  experimentalDecorators: true,
  skipLibCheck: true,
  types: [],
};

const service = ts.createLanguageService(
  {
    getScriptFileNames: () => [FILE],
    getScriptVersion: (name) => (name === FILE ? String(version) : '1'),
    getScriptSnapshot: (name) => {
      const content = name === FILE ? text : ts.sys.readFile(name);
      return content === undefined ? undefined : ts.ScriptSnapshot.fromString(content);
    },
    getCurrentDirectory: () => ROOT,
    getCompilationSettings: () => OPTIONS,
    getDefaultLibFileName: ts.getDefaultLibFilePath,
    fileExists: (name) => name === FILE || ts.sys.fileExists(name),
    readFile: (name) => (name === FILE ? text : ts.sys.readFile(name)),
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  },
  ts.createDocumentRegistry(),
);

/** What an editor offers at `|` in `source`: the TypeScript language service's completions. */
function completionsAt(source: string): string[] {
  text = source.replace('|', '');
  version += 1;
  return (service.getCompletionsAtPosition(FILE, source.indexOf('|'), {})?.entries ?? []).map((entry) => entry.name);
}

// Building the program of src takes seconds (more on a busy machine); this is not a timing test.
describe('X.from() in an editor', { timeout: 120_000 }, () => {
  it('completes the fields of the message', () => {
    const names = completionsAt(`import { RequestMachines } from '../../src/application/requests/request.commands';\nRequestMachines.from({ | });\n`);
    expect(names).toEqual(expect.arrayContaining(['templateId', 'machineCount', 'tags', 'priority', 'timeoutSeconds', 'idempotencyKey']));
    expect(names).not.toContain('validate');
  });

  it('completes the fields of nested inputs', () => {
    const names = completionsAt(`import { GetReturnRequests } from '../../src/application/requests/request.queries';\nGetReturnRequests.from({ machines: [{ | }] });\n`);
    expect(names).toEqual(expect.arrayContaining(['machineId', 'name']));
  });
});
