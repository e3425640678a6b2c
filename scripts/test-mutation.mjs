// `npm run test:mutation`: StrykerJS on src/domain, src/kernel and src/application, one run per folder, then
// the survivors check. One run per folder, not one for the three: a run instruments every file it mutates,
// and every test then runs through all of that instrumented code, so the three folders in one run took
// about 1.7 times as long per mutant as each folder alone (docs/reliability.md, "One run per folder").
// Each folder's JSON report is kept as reports/mutation/<folder>.json, and the script ends with
// `scripts/mutation-survivors.mjs --check` on each: it exits 1 while a surviving mutant has no decision.
//   npm run test:mutation                                  the three folders, then the check
//   npm run test:mutation -- --folders kernel,domain       some of them
//   npm run test:mutation -- --mutate src/kernel/retry.ts  any other arguments: one plain `stryker run` with them
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import config from '../stryker.config.mjs';
import { score, statusCounts } from './mutation-report.mjs';

const FOLDERS = ['domain', 'kernel', 'application'];
const REPORT = 'reports/mutation/mutation.json';
const root = fileURLToPath(new URL('..', import.meta.url));
const stryker = fileURLToPath(new URL('../node_modules/@stryker-mutator/core/bin/stryker.js', import.meta.url));

const args = process.argv.slice(2);
const run = (command, commandArgs) => spawnSync(process.execPath, [command, ...commandArgs], { cwd: root, stdio: 'inherit' }).status ?? 1;

if (args.length > 0 && args[0] !== '--folders') process.exit(run(stryker, ['run', ...args]));

const chosen = args[0] === '--folders' ? String(args[1] ?? '').split(',').filter(Boolean) : FOLDERS;
const unknown = chosen.filter((folder) => !FOLDERS.includes(folder));
if (chosen.length === 0 || unknown.length > 0) {
  console.error(`--folders takes a comma-separated list of ${FOLDERS.join(', ')}; got ${JSON.stringify(args[1] ?? '')}.`);
  process.exit(2);
}

const rows = [];
for (const folder of chosen) {
  const started = Date.now();
  // The folder's files, less what the configuration's `mutate` leaves out everywhere (`!...` patterns).
  const mutate = [`src/${folder}/**/*.ts`, ...config.mutate.filter((pattern) => pattern.startsWith('!'))];
  const status = run(stryker, ['run', '--mutate', mutate.join(',')]);
  const seconds = (Date.now() - started) / 1000;
  if (status !== 0 || !existsSync(REPORT)) {
    console.error(`stryker run on src/${folder} failed (exit ${status}); the folders after it were not run.`);
    process.exit(status || 1);
  }
  const report = `reports/mutation/${folder}.json`;
  renameSync(REPORT, report);
  const counts = statusCounts(JSON.parse(readFileSync(report, 'utf8')));
  const { valid, percent } = score(counts);
  rows.push({ folder, seconds, report, ...counts, total: valid, score: percent === undefined ? '-' : percent.toFixed(2) });
}

console.log('\nmutation testing, one run per folder');
console.log('  folder        time        mutants   score   killed  timed out  survived  no coverage');
for (const r of rows) {
  console.log(`  src/${r.folder.padEnd(12)}${clock(r.seconds).padStart(9)}  ${String(r.total).padStart(9)}  ${r.score.padStart(6)} %  ${String(r.Killed).padStart(7)}  ${String(r.Timeout).padStart(9)}  ${String(r.Survived).padStart(8)}  ${String(r.NoCoverage).padStart(11)}`);
}
console.log(`  total       ${clock(rows.reduce((sum, r) => sum + r.seconds, 0)).padStart(9)}\n`);

let undecided = 0;
for (const r of rows) {
  console.log(`survivors of src/${r.folder} (${r.report}):`);
  const status = run('scripts/mutation-survivors.mjs', [r.report, '--check']);
  if (status !== 0) undecided += 1;
}
process.exit(undecided === 0 ? 0 : 1);

/** Seconds as "12 min 05 s". */
function clock(seconds) {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}
