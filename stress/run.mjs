#!/usr/bin/env node
// The reliability run behind docs/reliability.md: runs test/reliability with large counts (STRESS=1;
// pass --quick for the `npm test` counts), collects the figures each suite records and prints them.
// Usage: node stress/run.mjs [--quick]    Exit status: that of vitest.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const quick = process.argv.includes('--quick');
const reportDir = mkdtempSync(join(tmpdir(), 'hf-reliability-report-'));
const started = performance.now();
const vitest = spawnSync('npx', ['vitest', 'run', 'test/reliability', '--typecheck.enabled=false'], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, RELIABILITY_REPORT_DIR: reportDir, ...(quick ? { STRESS: '0' } : { STRESS: '1' }) },
});
const seconds = ((performance.now() - started) / 1000).toFixed(1);

const figures = Object.fromEntries(
  readdirSync(reportDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(join(reportDir, f), 'utf8'))]),
);
rmSync(reportDir, { recursive: true, force: true });

const line = (text = '') => process.stdout.write(`${text}\n`);
line();
line(`Reliability figures (${quick ? 'npm test counts' : 'STRESS=1'}), wall time ${seconds} s, vitest exit status ${vitest.status}`);
const input = figures['hostile-input'];
if (input) {
  line(`\nHostile input: ${input.total} inputs over ${input.targets} targets in ${input.durationMs} ms (${input.runsPerGenerator} runs per generator)`);
  line('  target                               valid  rejected  known-bug  total');
  for (const [name, c] of Object.entries(input.perTarget)) {
    line(`  ${name.padEnd(36)} ${String(c.valid).padStart(6)} ${String(c.rejected).padStart(9)} ${String(c.knownBug).padStart(10)} ${String(c.total).padStart(6)}`);
  }
  if (Object.keys(input.knownBugHits).length > 0) line(`  known-bug hits: ${JSON.stringify(input.knownBugHits)}`);
}
const faults = figures.faults;
if (faults) {
  line(`\nFaults: ${faults.totalInjected} injected in ${faults.totalScenarios} scenarios in ${faults.durationMs} ms`);
  for (const [kind, n] of Object.entries(faults.scenarios)) line(`  scenarios ${kind.padEnd(40)} ${n}`);
  for (const [point, n] of Object.entries(faults.injectedByPoint)) line(`  injected  ${point.padEnd(40)} ${n}`);
  if (Object.keys(faults.knownBugScenarios).length > 0) line(`  scenarios reaching a known bug: ${JSON.stringify(faults.knownBugScenarios)}`);
}
const concurrency = figures.concurrency;
if (concurrency) {
  line(`\nConcurrency: ${concurrency.commands} commands in ${concurrency.rounds} generated schedules (widest wave ${concurrency.maxParallel}) in ${concurrency.durationMs} ms`);
  for (const [outcome, n] of Object.entries(concurrency.outcomes).sort()) line(`  ${outcome.padEnd(48)} ${n}`);
}
const load = figures.load;
if (load) {
  line(`\nLoad: ${load.kernelCommands?.count} concurrent kernel commands in ${load.kernelCommands?.durationMs} ms; ${load.timeouts?.count} timed-out commands; ${load.hostFactoryCommands?.count} host-factory commands in ${load.hostFactoryCommands?.durationMs} ms`);
  if (load.child) {
    const c = load.child;
    line(`  child (node --expose-gc): ${c.done} commands (${c.rounds} rounds of ${c.count}) in ${c.durationMs} ms, heap ${c.baselineHeap} → ${c.afterHeap} bytes (${c.heapGrowth >= 0 ? '+' : ''}${c.heapGrowth}), unhandled ${c.unhandled}, handles left ${JSON.stringify(c.afterResources)}, exited on its own`);
  }
}
if (figures.security) line(`\nSecurity: ${figures.security.scriptRuns} provider-script runs checked`);
process.exit(vitest.status ?? 1);
