import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import tsup from '../../tsup.config';
import { ROOT } from './helpers';

const json = (file: string) => JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Record<string, unknown>;

/** Build entry name (`storage/index`) → source file, from tsup.config.ts. */
const entries = (tsup as { entry: Record<string, string> }).entry;

describe('the API reference covers every entry point of the package', () => {
  const exported = Object.keys(json('package.json').exports as Record<string, unknown>).filter((path) => path !== './package.json');
  /** `./storage` → `storage/index`, `./testing/vitest` → `testing/vitest`, `.` → `index`, as dist lays them out. */
  const entryOf = (path: string) => {
    const target = ((json('package.json').exports as Record<string, { import: { default: string } }>)[path]!).import.default;
    return target.replace(/^\.\/dist\//, '').replace(/\.js$/, '');
  };

  /** The `bin` command's entry (`cli/hostfactory-kernel`): built, run by `npx hostfactory-kernel`, never imported. */
  const commands = Object.values(json('package.json').bin as Record<string, string>).map((target) => target.replace(/^\.\/dist\//, '').replace(/\.js$/, ''));

  it('builds one entry per export of package.json, and one per command of its bin', () => {
    expect(exported.map(entryOf).sort()).toEqual(Object.keys(entries).filter((entry) => !commands.includes(entry)).sort());
    expect(commands.every((entry) => entry in entries)).toBe(true);
  });

  it('typedoc.json documents the source of every export', () => {
    expect([...(json('typedoc.json').entryPoints as string[])].sort()).toEqual(exported.map((path) => entries[entryOf(path)]).sort());
  });

  it('tsconfig.docs.json compiles the same files typedoc documents', () => {
    expect([...(json('tsconfig.docs.json').files as string[])].sort()).toEqual([...(json('typedoc.json').entryPoints as string[])].sort());
  });
});
