// Draws latency against store size from the scale suite's figures (bench/.build/results/scale.json)
// with Vega-Lite, rendered to SVG by Vega in Node (no browser): docs/benchmarks-latency.svg.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { loadResult } from './lib/common.mjs';

const scale = loadResult('scale');
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
const spec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: { text: 'Latency against stored history (median per operation)', subtitle: `requests × 10 machines; ${scale.small.toLocaleString('en')} vs ${scale.large.toLocaleString('en')} stored` },
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
};
const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
const svg = await view.toSVG();
const out = fileURLToPath(new URL('../docs/benchmarks-latency.svg', import.meta.url));
writeFileSync(out, svg);
console.log(`\nchart: ${out} (${values.length} points)`);
