// `npm run bench:lines` (after `npm run build` and `npm run build:examples`): the kernel and
// cold-start suites once on every supported Node line (.ci/node-lines/), each as
// `BENCH_NODE=<line> BENCH_SUITES=kernel,cold-start node bench/run.mjs` (a line other than the
// system one runs in its own copy of the work tree, see docs/packaging.md), then one table of the
// figures side by side: what moving a host to another line buys. A complete run (every line, none
// failing, not BENCH_QUICK) writes bench/results/node-lines.json (committed) and regenerates
// docs/benchmarks.md; any other writes bench/.build/results/node-lines.json only.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QUICK, RESULTS_DIR } from './lib/common.mjs';
import { nodeLinesTable } from './lib/node-lines-table.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const system = process.versions.node.split('.')[0];
const all = readdirSync(here('../.ci/node-lines')).filter((name) => /^\d+$/.test(name)).sort((a, b) => a - b);
const lines = (process.env.BENCH_LINES ?? all.join(',')).split(',');
const scratch = mkdtempSync(join(tmpdir(), 'hf-bench-lines-'));

const runs = [];
let failed = false;
for (const line of lines) {
  console.log(`${'#'.repeat(100)}\n# Node ${line}${line === system ? ' (the system Node)' : ''}\n`);
  const out = join(scratch, `node-${line}.json`);
  const env = { ...process.env, BENCH_NODE: line, BENCH_SUITES: 'kernel,cold-start', BENCH_RESULTS_OUT: out };
  const child = spawnSync(process.execPath, [here('./run.mjs')], { stdio: 'inherit', env });
  if (child.status !== 0) {
    console.log(`\nNode ${line}: the bench exited ${child.status}`);
    failed = true;
    continue;
  }
  runs.push({ line: Number(line), results: JSON.parse(readFileSync(out, 'utf8')) });
}
rmSync(scratch, { recursive: true, force: true });
if (runs.length === 0) throw new Error('no line ran');

const git = (...args) => spawnSync('git', args, { cwd: here('..'), encoding: 'utf8' }).stdout.trim();
const report = {
  startedAt: runs[0].results.run.startedAt,
  commit: git('rev-parse', 'HEAD'),
  dirty: git('status', '--porcelain', '--', 'src', 'bench', 'examples', 'package.json', ':!bench/results') !== '',
  quick: QUICK,
  lines: runs.map(({ line, results }) => ({ line, results: { run: results.run, figures: results.figures, targets: results.targets } })),
};
console.log(`${'#'.repeat(100)}\n# kernel and cold-start figures by Node line\n`);
console.log(nodeLinesTable(report.lines));

const complete = !failed && !QUICK && all.every((line) => lines.includes(line));
const file = complete ? here('./results/node-lines.json') : `${RESULTS_DIR}node-lines.json`;
mkdirSync(complete ? here('./results') : RESULTS_DIR, { recursive: true });
writeFileSync(file, `${JSON.stringify(report, null, 1)}\n`);
console.log(`\nresults: ${file}`);
if (complete) {
  const child = spawnSync(process.execPath, [here('./report.mjs')], { stdio: 'inherit' });
  if (child.status !== 0) process.exitCode = 1;
} else {
  console.log('a partial, quick or failed run: docs/benchmarks.md is left as it is');
  process.exitCode = failed ? 1 : 0;
}
