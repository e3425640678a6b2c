#!/usr/bin/env node
/*
 * Regenerates the golden stored data in test/fixtures/golden/<release>/ from the git history:
 * for each release below, checks its commit out into a temporary worktree, installs its
 * dependencies (`npm ci`, or a symbolic link to an existing node_modules with --node-modules),
 * bundles scripts/golden/cycle.ts against that release's own sources, runs the cycle through its
 * SQLite example and its PostgreSQL schema, and keeps:
 *
 *   sqlite.db     the SQLite example's database as that release left it (compacted, one file)
 *   postgres.sql  pg_dump --inserts of the PostgreSQL schema, its name replaced by GOLDEN_SCHEMA
 *   answers.json  what that release answered (GetRequestStatus, ListRequests) and its fake cloud
 *
 *   node scripts/golden/generate.mjs [--node-modules <dir>] [--release 0.1.0] [--postgres <url>]
 *
 * --postgres defaults to $GOLDEN_POSTGRES_URL or postgres://postgres@127.0.0.1:5432/test; the
 * schema is created and dropped. Run from the repository root (a clean clone works: `npm ci` runs
 * in each worktree). Needs git, npm, pg_dump on PATH.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

/**
 * The releases whose stored data must keep reading, and the commit that last carried each (for
 * 0.2.0: the main branch the upgrade work started from, still at version 0.2.0).
 */
const RELEASES = [
  { release: '0.1.0', commit: '8346197d95c69827c27ef0f3034922ab074190ce' },
  { release: '0.2.0', commit: '3bde3e4' },
];

/** The placeholder the PostgreSQL dumps use for their schema; the tests restore into a schema of their own. */
const GOLDEN_SCHEMA = 'golden_fixture_schema';

const { values } = parseArgs({
  options: {
    'node-modules': { type: 'string' },
    release: { type: 'string', multiple: true },
    postgres: { type: 'string' },
  },
});
const root = process.cwd();
if (!existsSync(join(root, 'scripts/golden/cycle.ts'))) throw new Error('run from the repository root');
const postgresUrl = values.postgres ?? process.env.GOLDEN_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const wanted = values.release ?? RELEASES.map((r) => r.release);
const unknown = wanted.filter((name) => !RELEASES.some((r) => r.release === name));
if (unknown.length > 0) throw new Error(`no such release: ${unknown.join(', ')}; known: ${RELEASES.map((r) => r.release).join(', ')}`);
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

for (const { release, commit } of RELEASES.filter((r) => wanted.includes(r.release))) {
  try {
    run('git', ['cat-file', '-e', `${commit}^{commit}`], root);
  } catch {
    throw new Error(`${release}: commit ${commit} is not in this clone; fetch the full history (git fetch --unshallow) and run again`);
  }
  const scratch = mkdtempSync(join(tmpdir(), `hf-golden-${release}-`));
  const tree = join(scratch, 'tree');
  const schema = `golden_${release.replace(/\./g, '_')}_${process.pid}`;
  console.log(`${release}: worktree of ${commit} in ${tree}`);
  run('git', ['worktree', 'add', '--detach', tree, commit], root);
  try {
    if (values['node-modules'] !== undefined) symlinkSync(resolve(values['node-modules']), join(tree, 'node_modules'), 'dir');
    else run('npm', ['ci', '--no-audit', '--no-fund'], tree);
    mkdirSync(join(tree, 'scripts/golden'), { recursive: true });
    copyFileSync(join(root, 'scripts/golden/cycle.ts'), join(tree, 'scripts/golden/cycle.ts'));
    run(join(tree, 'node_modules/.bin/esbuild'), [
      'scripts/golden/cycle.ts', '--bundle', '--platform=node', '--format=cjs', '--target=node20',
      '--external:better-sqlite3', '--external:pg', '--outfile=scripts/golden/cycle.cjs', '--log-level=warning',
    ], tree);
    const out = join(scratch, 'out');
    run('node', ['scripts/golden/cycle.cjs', out, postgresUrl, schema], tree);
    const dump = run('pg_dump', ['--dbname', postgresUrl, '--schema', schema, '--inserts', '--no-owner', '--no-privileges', '--no-comments'], tree);
    const target = join(root, 'test/fixtures/golden', release);
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, 'postgres.sql'), portableDump(dump, schema));
    copyFileSync(join(out, 'sqlite.db'), join(target, 'sqlite.db'));
    const answers = JSON.parse(readFileSync(join(out, 'answers.json'), 'utf8'));
    writeFileSync(join(target, 'answers.json'), `${JSON.stringify({ release, commit, ...answers }, null, 2)}\n`);
    console.log(`${release}: wrote ${target}`);
  } finally {
    run('psql', [postgresUrl, '-q', '-c', `DROP SCHEMA IF EXISTS "${schema}" CASCADE`], root);
    run('git', ['worktree', 'remove', '--force', tree], root);
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The dump with its schema renamed to {@link GOLDEN_SCHEMA} and the lines a restore through a
 * client library cannot or need not run dropped (psql meta-commands such as `\restrict`, and the
 * settings of the server that made it).
 */
function portableDump(dump, schema) {
  const kept = dump.split('\n').filter((line) => !line.startsWith('\\') && !/^SET (transaction_timeout|default_table_access_method)/.test(line));
  return `${kept.join('\n').replaceAll(`"${schema}"`, GOLDEN_SCHEMA).replaceAll(schema, GOLDEN_SCHEMA).trim()}\n`;
}
