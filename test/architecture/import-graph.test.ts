import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importGraph, layerOf, sourceFiles, SRC } from './source-graph';

/*
 * The shape of `src`: layers import one way (kernel ← domain ← storage ← application ← hostfactory ←
 * testing ← cli; the test kit sits above the Symphony layer because its replay re-runs recorded
 * Symphony calls) and no file reaches itself through its imports (type-only imports included, since a
 * type circle still ties two modules' meanings together).
 */
const LAYERS: Record<string, number> = { kernel: 0, domain: 1, storage: 2, application: 3, hostfactory: 4, testing: 5, cli: 6 };

/** Strongly connected components with more than one file, or a file importing itself. */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(relative(SRC, member));
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe('the import graph of src', () => {
  const graph = importGraph();

  it('has no circle between files', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('runs one way: kernel ← domain ← storage ← application ← hostfactory ← testing ← cli', () => {
    const upward: string[] = [];
    for (const [file, imports] of graph) {
      const layer = layerOf(file);
      if (!(layer in LAYERS)) continue;
      for (const imported of imports) {
        const target = layerOf(imported);
        if (target in LAYERS && target !== layer && LAYERS[target]! >= LAYERS[layer]!) upward.push(`${relative(SRC, file)} → ${relative(SRC, imported)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('detects a circle when one exists (self-check of the walker)', () => {
    const fake = new Map([['a', ['b']], ['b', ['a']], ['c', []]]);
    expect(cycles(fake).length).toBe(1);
  });
});

describe('the Symphony layer (src/hostfactory)', () => {
  // Wire-only: it parses documents, dispatches the parsed message or calls a use case, and formats the
  // answer. Sequencing syncs, reconciles and reads is a use case's job (src/application), so a REST
  // host gets the same behaviour.
  const USE_CASE_STEPS = ['SyncRequest', 'SyncReclaimNotices', 'Reconcile', 'GetRequestStatus'];

  it('names none of the commands and queries the use cases sequence', () => {
    const found: string[] = [];
    for (const file of sourceFiles(join(SRC, 'hostfactory'))) {
      const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const name of USE_CASE_STEPS) if (new RegExp(`\\b${name}\\b(?!Dto)`).test(code)) found.push(`${relative(SRC, file)}: ${name}`);
    }
    expect(found).toEqual([]);
  });
});

describe('validation (src/kernel/validation)', () => {
  it('is one folder entered through src/kernel/validation.ts: no file elsewhere imports its parts', () => {
    const folder = join(SRC, 'kernel', 'validation');
    const entry = join(SRC, 'kernel', 'validation.ts');
    const deep: string[] = [];
    for (const [file, imports] of importGraph()) {
      if (file.startsWith(`${folder}/`) || file === entry) continue;
      for (const imported of imports) if (imported.startsWith(`${folder}/`) && imported !== entry) deep.push(`${relative(SRC, file)} → ${relative(SRC, imported)}`);
    }
    expect(deep).toEqual([]);
  });
});
