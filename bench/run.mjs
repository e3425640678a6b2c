// `npm run bench` (after `npm run build` and `npm run build:examples`): every suite in one run, each
// in a child process of its own, then one PASS/FAIL summary of every target. The run's figures,
// printed output and targets go to one JSON file, from which bench/report.mjs generates the tables
// of docs/benchmarks.md and the charts. A complete run (every suite, not quick, none failing)
// writes bench/results/latest.json (committed) and the docs; any other run writes
// bench/.build/results/latest.json only. BENCH_QUICK=1: smaller sizes and fewer rounds.
// BENCH_STRICT=1: a FAIL exits non-zero (a shared, noisy machine can flip a close target).
// BENCH_NODE=22: the whole run on that supported Node line instead, in the line's copy of the work
// tree (.ci/node-line.sh; combine with BENCH_SUITES=kernel,cold-start for the figures
// `npm run bench:lines` compares); such a run never replaces the committed results.
// BENCH_RESULTS_OUT=<file>: also copy the run's results file there (bench/lines.mjs reads it).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { buildBenchAdapters, buildBenchProjections } from './build.mjs';
import { QUICK, RESULTS_DIR, machine, verdict } from './lib/common.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));

const line = process.env.BENCH_NODE || undefined;
if (line !== undefined && line !== '' && line !== process.versions.node.split('.')[0]) {
  // Another line: the same command there, with that line's Node, node_modules and builds.
  const env = { ...process.env, BENCH_NODE: line };
  const child = spawnSync('bash', [here('../.ci/node-line.sh'), line, 'npm', 'run', 'bench'], { stdio: 'inherit', env });
  process.exit(child.status ?? 1);
}
const ALL_SUITES = ['kernel', 'cold-start', 'validation', 'scale', 'batching', 'memory', 'otel'];
const SUITES = (process.env.BENCH_SUITES ?? ALL_SUITES.join(',')).split(',');
const FULL = !QUICK && ALL_SUITES.every((s) => SUITES.includes(s));

if (!existsSync(here('../examples/symphony-provider/.build/provider.cjs'))) {
  throw new Error('The example provider is not bundled: run `npm run build:examples` first (npm run bench does).');
}
await buildBenchAdapters();
await buildBenchProjections();
rmSync(RESULTS_DIR, { recursive: true, force: true });

/** Runs a suite, echoing its output as it comes and keeping it for the report. */
function runSuite(suite) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [here(`./${suite}.mjs`)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      output += chunk;
    });
    child.on('close', (status) => resolve({ status, output }));
  });
}

const git = (...args) => spawnSync('git', args, { cwd: here('..'), encoding: 'utf8' }).stdout.trim();
const run = {
  startedAt: new Date().toISOString(),
  commit: git('rev-parse', 'HEAD'),
  // Uncommitted changes to the code under test (the results and docs this run writes do not count).
  dirty: git('status', '--porcelain', '--', 'src', 'bench', 'examples', 'package.json', ':!bench/results') !== '',
  machine: { cpu: cpus()[0]?.model ?? 'unknown CPU', nproc: cpus().length, memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)), node: process.version, platform: `${process.platform}/${process.arch}` },
  loadAverage: { start: loadavg().map((l) => Number(l.toFixed(2))) },
  quick: QUICK,
  suites: SUITES,
};

const started = Date.now();
console.log(`hostfactory-kernel bench${QUICK ? ' (BENCH_QUICK=1)' : ''} — ${machine()}\n`);
const outputs = {};
const seconds = {};
for (const suite of SUITES) {
  console.log(`${'='.repeat(100)}\n## ${suite}\n`);
  const t = Date.now();
  const { status, output } = await runSuite(suite);
  seconds[suite] = Math.round((Date.now() - t) / 1000);
  outputs[suite] = output.trimEnd();
  console.log(`\n(${suite}: ${seconds[suite]} s${status === 0 ? '' : `, exited ${status}`})\n`);
  if (status !== 0) process.exitCode = 1;
}
run.loadAverage.end = loadavg().map((l) => Number(l.toFixed(2)));
run.minutes = Number(((Date.now() - started) / 60000).toFixed(1));
run.seconds = seconds;

console.log(`${'='.repeat(100)}\n## summary (${run.minutes} min)\n`);
const targets = existsSync(`${RESULTS_DIR}targets.jsonl`)
  ? readFileSync(`${RESULTS_DIR}targets.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  : [];
for (const t of targets) console.log(`  ${verdict(t.ok)}  [${t.suite}] ${t.text}`);
const failed = targets.filter((t) => !t.ok).length;
console.log(`\n  ${targets.length - failed} PASS, ${failed} FAIL   (load average at start ${run.loadAverage.start.join(' ')}, at end ${run.loadAverage.end.join(' ')})`);

const figures = {};
for (const suite of SUITES) {
  const file = `${RESULTS_DIR}${suite}.json`;
  if (existsSync(file)) figures[suite] = JSON.parse(readFileSync(file, 'utf8'));
}
// Only a complete run (every suite, each exiting 0) replaces the committed results and the docs.
const complete = FULL && process.exitCode !== 1 && line === undefined;
const OUT = complete ? here('./results/latest.json') : `${RESULTS_DIR}latest.json`;
mkdirSync(fileURLToPath(new URL('.', `file://${OUT}`)), { recursive: true });
writeFileSync(OUT, `${JSON.stringify({ run, targets, outputs, figures }, null, 1)}\n`);
console.log(`\nresults: ${OUT}`);
if (process.env.BENCH_RESULTS_OUT) copyFileSync(OUT, process.env.BENCH_RESULTS_OUT);
if (complete) {
  for (const script of ['./chart.mjs', './report.mjs']) {
    const child = spawnSync(process.execPath, [here(script), OUT], { stdio: 'inherit' });
    if (child.status !== 0) process.exitCode = 1;
  }
} else {
  console.log('a partial, quick or failed run: docs/benchmarks.md and the charts are left as they are (`node bench/report.mjs <file>` renders them from any results file)');
}
if (process.env.BENCH_STRICT === '1' && failed > 0) process.exitCode = 1;
