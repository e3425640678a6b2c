// Draws the charts of docs/benchmarks.md from one run's results file (default
// bench/results/latest.json) with Vega-Lite, rendered to SVG by Vega in Node (no browser):
// docs/benchmarks-latency.svg (latency against stored history, scale suite) and
// docs/benchmarks-dispatch.svg (ns per message: kernel contenders and the fresh-message peer row).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as vega from 'vega';
import * as vl from 'vega-lite';

const file = process.argv[2] ?? fileURLToPath(new URL('./results/latest.json', import.meta.url));
const { run, figures } = JSON.parse(readFileSync(file, 'utf8'));
const stamp = `commit ${run.commit.slice(0, 10)}, ${run.startedAt.slice(0, 16).replace('T', ' ')} UTC`;

async function draw(spec, name, points) {
  const view = new vega.View(vega.parse(vl.compile({ $schema: 'https://vega.github.io/schema/vega-lite/v6.json', ...spec }).spec), { renderer: 'none' });
  const out = fileURLToPath(new URL(`../docs/${name}`, import.meta.url));
  writeFileSync(out, await view.toSVG());
  console.log(`chart: ${out} (${points} points)`);
}

if (figures.scale) {
  const scale = figures.scale;
  const values = [];
  for (const r of scale.results) {
    for (const [size, reads] of Object.entries(r.reads)) {
      values.push({ store: r.kind, operation: 'GetRequestStatus (10 machines)', requests: Number(size), us: reads.getRequestStatus.median });
      values.push({ store: r.kind, operation: 'GetMachine', requests: Number(size), us: reads.getMachine.median });
    }
    for (const [size, w] of Object.entries(r.writes)) {
      values.push({ store: r.kind, operation: 'RequestMachines + SyncRequest cycle', requests: Number(size), us: (w.ms * 1000) / w.cycles });
    }
  }
  await draw(
    {
      title: { text: 'Latency against stored history (median per operation)', subtitle: `requests × 10 machines; ${scale.small.toLocaleString('en')} vs ${scale.large.toLocaleString('en')} stored; ${stamp}` },
      width: 420,
      height: 300,
      data: { values },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'requests', type: 'quantitative', scale: { type: 'log' }, title: 'stored requests (log scale)' },
        y: { field: 'us', type: 'quantitative', scale: { type: 'log' }, title: 'µs per operation (log scale)' },
        color: { field: 'operation', type: 'nominal', title: 'operation' },
        strokeDash: { field: 'store', type: 'nominal', title: 'store' },
        shape: { field: 'store', type: 'nominal', title: 'store' },
      },
    },
    'benchmarks-latency.svg',
    values.length,
  );
}

const bars = [];
if (figures.kernel) {
  const k = figures.kernel.ns;
  bars.push(
    { path: 'validated message, dispatched', contender: 'kernel, no middleware (b)', ns: k.b.perOp, side: 'ours' },
    { path: 'validated message, dispatched', contender: 'kernel, default pipeline (c)', ns: k.c.perOp, side: 'ours' },
    { path: 'validated message, dispatched', contender: '@nestjs/cqrs execute (d)', ns: k.d.perOp, side: 'peer' },
    { path: 'validated message, dispatched', contender: 'class-validator validateSync (e)', ns: k.e.perOp, side: 'peer' },
  );
}
if (figures.validation) {
  // Results of runs before the nested case hold one flat figure under `fresh`.
  const fresh = figures.validation.fresh.ns ? { flat: figures.validation.fresh } : figures.validation.fresh;
  for (const [name, { ns: f }] of Object.entries(fresh)) {
    bars.push(
      { path: `fresh message per call, from JSON (${name})`, contender: 'X.from(json) → commands.execute', ns: f.ours, side: 'ours' },
      { path: `fresh message per call, from JSON (${name})`, contender: 'plainToInstance + validateSync + Nest execute', ns: f.peer, side: 'peer' },
    );
  }
}
if (bars.length > 0) {
  await draw(
    {
      title: { text: 'Nanoseconds per message (median)', subtitle: stamp },
      data: { values: bars },
      facet: { row: { field: 'path', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left', labelFontWeight: 'bold' } } },
      spec: {
        width: 360,
        height: { step: 18 },
        mark: 'bar',
        encoding: {
          y: { field: 'contender', type: 'nominal', sort: null, title: null, axis: { labelLimit: 400 } },
          x: { field: 'ns', type: 'quantitative', title: 'ns per message' },
          color: { field: 'side', type: 'nominal', title: null },
        },
      },
      resolve: { scale: { y: 'independent' } },
    },
    'benchmarks-dispatch.svg',
    bars.length,
  );
}

if (figures.batching) {
  // One bar per store, command and path, split into the time inside the store and the library's own;
  // the label carries the PostgreSQL statement count (each a round trip).
  const values = [];
  for (const [kind, commands] of Object.entries(figures.batching.results)) {
    for (const [command, r] of Object.entries(commands)) {
      for (const [mode, f] of [['batched', r.batched], ['per-item', r.perItem]]) {
        const label = `${kind} ${command}, ${mode}${f.statements === undefined ? '' : ` (${f.statements.toLocaleString('en')} statements)`}`;
        values.push({ run: label, part: 'in the store', ms: f.storeMs }, { run: label, part: 'library', ms: f.ms - f.storeMs });
      }
    }
  }
  await draw(
    {
      title: { text: `A ${figures.batching.machines.toLocaleString('en')}-machine request: batched vs per-item (median ms)`, subtitle: stamp },
      width: 420,
      height: { step: 18 },
      data: { values },
      mark: 'bar',
      encoding: {
        y: { field: 'run', type: 'nominal', sort: null, title: null, axis: { labelLimit: 400 } },
        x: { field: 'ms', type: 'quantitative', title: 'ms (wall time)', stack: 'zero' },
        color: { field: 'part', type: 'nominal', title: null },
      },
    },
    'benchmarks-batching.svg',
    values.length,
  );
}
