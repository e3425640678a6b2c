// `npm run bench` (after `npm run build` and `npm run build:examples`): every suite in one run, each
// in a child process of its own, then one PASS/FAIL summary of every target and the chart
// (docs/benchmarks-latency.svg). BENCH_QUICK=1: smaller sizes and fewer rounds. BENCH_STRICT=1:
// a FAIL exits non-zero (a shared, noisy machine can flip a close target, so it is off by default).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildBenchAdapters } from './build.mjs';
import { QUICK, RESULTS_DIR, machine, verdict } from './lib/common.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const SUITES = (process.env.BENCH_SUITES ?? 'kernel,cold-start,validation,scale,batching,memory').split(',');

if (!existsSync(here('../examples/symphony-provider/.build/provider.cjs'))) {
  throw new Error('The example provider is not bundled: run `npm run build:examples` first (npm run bench does).');
}
await buildBenchAdapters();
rmSync(RESULTS_DIR, { recursive: true, force: true });

const started = Date.now();
console.log(`hostfactory-kernel bench${QUICK ? ' (BENCH_QUICK=1)' : ''} — ${machine()}\n`);
for (const suite of SUITES) {
  console.log(`${'='.repeat(100)}\n## ${suite}\n`);
  const t = Date.now();
  const child = spawnSync(process.execPath, [here(`./${suite}.mjs`)], { stdio: 'inherit' });
  console.log(`\n(${suite}: ${((Date.now() - t) / 1000).toFixed(0)} s${child.status === 0 ? '' : `, exited ${child.status}`})\n`);
  if (child.status !== 0) process.exitCode = 1;
}

console.log(`${'='.repeat(100)}\n## summary (${((Date.now() - started) / 60000).toFixed(1)} min)\n`);
const targets = existsSync(`${RESULTS_DIR}targets.jsonl`)
  ? readFileSync(`${RESULTS_DIR}targets.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  : [];
for (const t of targets) console.log(`  ${verdict(t.ok)}  [${t.suite}] ${t.text}`);
const failed = targets.filter((t) => !t.ok).length;
console.log(`\n  ${targets.length - failed} PASS, ${failed} FAIL`);
if (SUITES.includes('scale')) {
  const chart = spawnSync(process.execPath, [here('./chart.mjs')], { stdio: 'inherit' });
  if (chart.status !== 0) process.exitCode = 1;
}
if (process.env.BENCH_STRICT === '1' && failed > 0) process.exitCode = 1;
