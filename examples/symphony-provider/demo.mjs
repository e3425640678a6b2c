// `npm run demo`: drives the example provider exactly as Symphony's host factory does — one new
// process per call, `<script> -f <input.json>` — through a whole request lifecycle, and prints
// each document. State (the host factory's and the simulated cloud's SQLite files, the logs, each
// call's input file) lives in a new temporary directory, removed at the end unless `--keep`.
// Progress lines rewrite themselves on a terminal; piped or redirected, each is a line of its own.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'hostfactory-demo-'));
const env = {
  ...process.env,
  HF_PROVIDER_NAME: 'sim',
  HF_PROVIDER_CONFDIR: join(root, 'conf'),
  HF_PROVIDER_WORKDIR: join(root, 'work'),
  HF_PROVIDER_LOGDIR: join(root, 'logs'),
};
for (const dir of ['conf', 'work', 'logs', 'inputs']) mkdirSync(join(root, dir), { recursive: true });
copyFileSync(join(here, 'sample', 'simprov_templates.json'), join(env.HF_PROVIDER_CONFDIR, 'simprov_templates.json'));

const started = Date.now();
let calls = 0;
const quiet = process.argv.includes('--quiet');
const keep = process.argv.includes('--keep');
let shown = '';

/** One progress line: rewritten in place on a terminal; otherwise printed as a line when it changes. */
function progress(line, done) {
  if (process.stdout.isTTY) process.stdout.write(`\r  ${line}          ${done ? '\n' : ''}`);
  else if (line.replace(/poll \d+, /, '') !== shown || done) process.stdout.write(`  ${line}\n`);
  shown = line.replace(/poll \d+, /, '');
}

/** Runs one operation in a new process with a fresh input file, like Symphony. */
function call(operation, input) {
  calls += 1;
  const file = join(root, 'inputs', `${String(calls).padStart(3, '0')}-${operation}.json`);
  writeFileSync(file, JSON.stringify(input));
  return new Promise((resolve, reject) => {
    execFile(join(here, 'scripts', `${operation}.sh`), ['-f', file], { env }, (error, stdout) => {
      let document;
      try {
        document = JSON.parse(stdout);
      } catch {
        reject(new Error(`${operation} printed something that is not one JSON document:\n${stdout}`));
        return;
      }
      resolve({ document, exitCode: error ? (error.code ?? 1) : 0 });
    });
  });
}

function show(title, result) {
  if (quiet) return;
  console.log(`\n── ${title} (exit ${result.exitCode}) ${'─'.repeat(Math.max(0, 60 - title.length))}`);
  console.log(JSON.stringify(result.document, null, 2));
}

async function poll(requestId, label) {
  for (let attempt = 1; attempt <= 60; attempt++) {
    const result = await call('getRequestStatus', { requests: [{ requestId }] });
    const entry = result.document.requests[0];
    const counts = {};
    for (const m of entry.machines) counts[m.result] = (counts[m.result] ?? 0) + 1;
    const summary = Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ') || 'no machines yet';
    const done = entry.status !== 'running';
    progress(`${label}: poll ${attempt}, status ${entry.status} (${summary})`, done);
    if (done) return result;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${requestId} did not finish in 60 polls`);
}

try {
  console.log(`hostfactory-kernel demo: the example Symphony provider, one process per call`);
  console.log(`state in ${root} (SQLite in work/, logs in logs/, each call's input in inputs/); ${keep ? 'kept at the end (--keep)' : 'removed at the end (--keep keeps it)'}`);
  const templates = await call('getAvailableTemplates', {});
  show('getAvailableTemplates', templates);

  const requested = await call('requestMachines', { template: { templateId: 'OnDemand-Small', machineCount: 3 } });
  show('requestMachines: 3 × OnDemand-Small', requested);
  if (requested.exitCode !== 0) throw new Error('requestMachines failed');
  const requestId = requested.document.requestId;

  const acquired = await poll(requestId, 'waiting for the machines');
  show(`getRequestStatus ${requestId}`, acquired);
  const hosts = acquired.document.requests[0].machines.filter((m) => m.result === 'succeed').map((m) => m.name);

  const returned = await call('requestReturnMachines', { machines: hosts.map((name) => ({ name })) });
  show('requestReturnMachines (by host name only)', returned);
  const returnId = returned.document.requestId;

  const released = await poll(returnId, 'waiting for the terminations');
  show(`getRequestStatus ${returnId}`, released);

  const wanted = await call('getReturnRequests', { machines: [] });
  show('getReturnRequests', wanted);

  const finalStatus = released.document.requests[0];
  console.log('\n── summary ──────────────────────────────────────────────────────────');
  console.log(`templates offered     ${templates.document.templates.map((t) => `${t.templateId} (${t.availableNumber} available)`).join(', ')}`);
  console.log(`acquire request       ${requestId}: ${acquired.document.requests[0].status}, ${hosts.length} machines running`);
  console.log(`hosts                 ${hosts.join(', ')}`);
  console.log(`return request        ${returnId}: ${finalStatus.status}, ${finalStatus.machines.filter((m) => m.status === 'terminated' && m.result === 'succeed').length} terminated`);
  console.log(`machines to give back ${wanted.document.requests.length}`);
  console.log(`provider calls        ${calls} processes in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (finalStatus.status !== 'complete' || hosts.length !== 3) process.exitCode = 1;
} catch (error) {
  console.error(`\ndemo failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  if (!keep) rmSync(root, { recursive: true, force: true });
  else console.log(`kept ${root}`);
}
