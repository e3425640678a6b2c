// Cold start of a Symphony call (issues 9 and 19): median wall time of `getRequestStatus` as a fresh
// process through the example provider (examples/symphony-provider/.build/provider.cjs, bundled by
// `npm run build:examples`) with 1,000 requests stored in SQLite, against `node -e 0` and against a
// process that only imports @nestjs/core and @nestjs/cqrs, and with the call recorder on (issue 26). The calls before the timed ones leave the
// provider's V8 code cache in the work directory, as a site's first call does. Then one CPU profile
// of the call, top self-time frames printed (what start-up time is spent on).
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { QUICK, machine, median, saveResult, target, wallMs } from './lib/common.mjs';
import { seedHistory, sqliteBulkPut } from './lib/seed.mjs';

const RUNS = Number(process.env.BENCH_COLD_RUNS ?? (QUICK ? 9 : 15));
const repo = fileURLToPath(new URL('..', import.meta.url));
const provider = join(repo, 'examples/symphony-provider/.build/provider.cjs');
// The call as Symphony makes it: `node` with the options scripts/getRequestStatus.sh gives it (read
// from the script, so the two cannot drift apart), without the shell the script itself costs.
const script = readFileSync(join(repo, 'examples/symphony-provider/scripts/getRequestStatus.sh'), 'utf8');
const scriptLine = /^exec node((?: --[^\s"]+)*) "\$\(dirname "\$0"\)\/\.\.\/\.build\/provider\.cjs" getRequestStatus "\$@"$/m.exec(script);
if (scriptLine === null) throw new Error('scripts/getRequestStatus.sh no longer runs `exec node [options] .../.build/provider.cjs getRequestStatus "$@"`: update bench/cold-start.mjs');
const nodeOptions = scriptLine[1].trim().split(' ').filter(Boolean);
const sample = join(repo, 'examples/symphony-provider/sample/simprov_templates.json');

const root = mkdtempSync(join(tmpdir(), 'hf-cold-'));
const env = { ...process.env, HF_PROVIDER_NAME: 'sim', HF_PROVIDER_CONFDIR: join(root, 'conf'), HF_PROVIDER_WORKDIR: join(root, 'work'), HF_PROVIDER_LOGDIR: join(root, 'logs') };
for (const dir of ['conf', 'work', 'logs']) mkdirSync(join(root, dir));
// The sample templates plus one whose machines never finish booting: the polled request stays
// in progress, so every call really asks the (simulated) cloud and runs the sync transaction.
const templates = JSON.parse(readFileSync(sample, 'utf8'));
templates.templates.push({ ...templates.templates[0], templateId: 'Slow-Boot', maxNumber: 100, simBootSeconds: 1e7 });
writeFileSync(join(root, 'conf', 'simprov_templates.json'), JSON.stringify(templates));

const call = (operation, input) => {
  const file = join(root, `${operation}.json`);
  writeFileSync(file, JSON.stringify(input));
  return JSON.parse(execFileSync(process.execPath, [provider, operation, '-f', file], { env, cwd: root }).toString());
};

// 1. The provider creates and migrates the database and imports the templates file.
call('getAvailableTemplates', {});
// 2. 999 requests of history through the storage ports (bench/lib/seed.mjs), in the same file.
const filename = join(root, 'work', 'hostfactory.db');
const { default: Database } = await import('better-sqlite3');
const { createSqliteStorage } = await import('./.build/sqlite-storage.mjs');
const storage = createSqliteStorage({ filename });
const bulkPut = sqliteBulkPut(Database, filename);
await seedHistory(storage, { count: 999, bulkPut });
bulkPut.close();
storage.close();
// 3. The 1,000th, through the provider: the request Symphony polls.
const { requestId } = call('requestMachines', { template: { templateId: 'Slow-Boot', machineCount: 2 } });
const input = join(root, 'status.json');
writeFileSync(input, JSON.stringify({ requests: [{ requestId }] }));
const answer = call('getRequestStatus', { requests: [{ requestId }] });
if (answer.requests?.[0]?.machines?.length !== 2) throw new Error(`unexpected getRequestStatus answer ${JSON.stringify(answer)}`);
const stored = new Database(filename, { readonly: true }).prepare('SELECT count(*) AS n FROM requests').get().n;

const nest = ['--input-type=module', '-e', "import '@nestjs/core'; import '@nestjs/cqrs';"];
const runs = { bare: [], nest: [], call: [], recorded: [] };
// The same call with the call recorder on (docs/replay.md): one JSON line per call in the log directory.
const recordEnv = { ...env, HF_PROVIDER_RECORD: '1' };
const callArgs = [...nodeOptions, provider, 'getRequestStatus', '-f', input];
wallMs(process.execPath, callArgs, { env, cwd: root }); // warms the file cache and writes this command's code cache
wallMs(process.execPath, callArgs, { env, cwd: root });
wallMs(process.execPath, nest, { cwd: repo });
for (let i = 0; i < RUNS; i++) {
  runs.bare.push(wallMs(process.execPath, ['-e', '0']));
  runs.nest.push(wallMs(process.execPath, nest, { cwd: repo }));
  runs.call.push(wallMs(process.execPath, callArgs, { env, cwd: root }));
  runs.recorded.push(wallMs(process.execPath, callArgs, { env: recordEnv, cwd: root }));
}
const fig = { bare: median(runs.bare), nest: median(runs.nest), call: median(runs.call), recorded: median(runs.recorded) };
const recordings = readdirSync(join(root, 'logs')).filter((name) => name.includes('.recording'));
// Each recorded call writes a start line and its end line; count the ends.
const recordedLines = recordings.length === 1 ? readFileSync(join(root, 'logs', recordings[0]), 'utf8').split('\n').filter((l) => l.startsWith('{"kind":"hostfactory-call",')).length : 0;
if (recordedLines !== RUNS) throw new Error(`the recorded calls wrote ${recordedLines} lines, not ${RUNS}`);

// One profile of the call: self time by frame.
const profDir = join(root, 'prof');
execFileSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profDir, ...callArgs], { env, cwd: root });
const profile = JSON.parse(readFileSync(join(profDir, readdirSync(profDir)[0]), 'utf8'));
const top = topFrames(profile, 12);

console.log(`cold start of a Symphony call — ${machine()}`);
console.log(`getRequestStatus of one in-progress request (2 machines), ${stored} requests stored in SQLite; median wall time of ${RUNS} fresh processes each\n`);
const line = (label, ms) => console.log(`  ${label.padEnd(80)} ${ms.toFixed(1).padStart(7)} ms   ×${(ms / fig.bare).toFixed(2)} bare   ×${(ms / fig.nest).toFixed(2)} nest`);
line('node -e 0', fig.bare);
line("import '@nestjs/core' + '@nestjs/cqrs' only", fig.nest);
line(`node ${[...nodeOptions, ''].join(' ')}provider.cjs getRequestStatus -f <file>`, fig.call);
line('the same with HF_PROVIDER_RECORD=1', fig.recorded);
const bundle = join(repo, 'examples/symphony-provider/.build/provider-main.cjs');
const cache = readdirSync(join(root, 'work')).find((name) => name.startsWith('provider-getRequestStatus-'));
console.log(`  provider bundle: ${(readFileSync(bundle).length / 1024).toFixed(0)} KiB, code cache: ${cache === undefined ? 'none' : `${(readFileSync(join(root, 'work', cache)).length / 1024).toFixed(0)} KiB`}`);
console.log(`\n  profile of one call (${top.total.toFixed(0)} ms sampled), top self time:`);
for (const f of top.frames) console.log(`    ${f.ms.toFixed(1).padStart(7)} ms ${f.pct.toFixed(1).padStart(5)}%  ${f.name}`);
console.log('\ntargets');
target('cold-start', `getRequestStatus ${fig.call.toFixed(1)} ms ≤ 1.3 × node -e 0 = ${(fig.bare * 1.3).toFixed(1)} ms (×${(fig.call / fig.bare).toFixed(2)})`, fig.call <= fig.bare * 1.3);
target('cold-start', `getRequestStatus ${fig.call.toFixed(1)} ms ≤ 0.5 × Nest import = ${(fig.nest * 0.5).toFixed(1)} ms (×${(fig.call / fig.nest).toFixed(2)})`, fig.call <= fig.nest * 0.5);
target('cold-start', `getRequestStatus recorded ${fig.recorded.toFixed(1)} ms ≤ 1.1 × unrecorded = ${(fig.call * 1.1).toFixed(1)} ms (×${(fig.recorded / fig.call).toFixed(2)})`, fig.recorded <= fig.call * 1.1);
saveResult('cold-start', { runs: RUNS, stored, ...fig, all: runs, top });
rmSync(root, { recursive: true, force: true });

function topFrames(p, n) {
  const dt = new Map();
  for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const self = new Map();
  let total = 0;
  for (const node of p.nodes) {
    const t = dt.get(node.id) ?? 0;
    total += t;
    const cf = node.callFrame;
    const where = cf.url ? ` ${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'}${where}`;
    self.set(key, (self.get(key) ?? 0) + t);
  }
  const frames = [...self].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, t]) => ({ name, ms: t / 1000, pct: (100 * t) / total }));
  return { total: total / 1000, frames };
}
