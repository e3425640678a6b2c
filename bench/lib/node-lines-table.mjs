// The per-line comparison of `npm run bench:lines` (bench/lines.mjs) as one markdown table: the
// kernel suite's dispatch figures and cold starts, and the cold-start suite's Symphony call, for
// each supported Node line side by side, each with its ratio to the first line. Printed by the run
// and rendered into docs/benchmarks.md (block `node-lines`) by bench/report.mjs.

/** The rows: a label, the unit, and how to read the figure from one line's results file. */
const ROWS = [
  ...['a', 'b', 'c', 'd', 'e'].map((id) => ({
    label: (r) => r.figures.kernel.ns[id].name,
    unit: 'ns/op',
    value: (r) => r.figures.kernel.ns[id].perOp,
  })),
  { label: () => 'kernel: cold start, `node -e 0`', unit: 'ms', value: (r) => r.figures.kernel.cold.bare },
  { label: () => 'kernel: cold start, import the four peers only', unit: 'ms', value: (r) => r.figures.kernel.cold.peers },
  { label: () => 'kernel: cold start, import the ESM build + createKernel + 1 query', unit: 'ms', value: (r) => r.figures.kernel.cold.kernel },
  { label: () => 'cold-start: `node -e 0`', unit: 'ms', value: (r) => r.figures['cold-start'].bare },
  { label: () => "cold-start: import '@nestjs/core' + '@nestjs/cqrs'", unit: 'ms', value: (r) => r.figures['cold-start'].nest },
  { label: () => 'cold-start: provider getRequestStatus, 1,000 requests in SQLite', unit: 'ms', value: (r) => r.figures['cold-start'].call },
];

/** `lines`: [{ line, results }] in order; the first is the baseline of the ratios. */
export function nodeLinesTable(lines) {
  const base = lines[0].results;
  const head = `| figure (median) | unit | ${lines.map(({ line, results }) => `Node ${line} (${results.run.machine.node})`).join(' | ')} |`;
  const rule = `| --- | --- | ${lines.map(() => '---:').join(' | ')} |`;
  const rows = ROWS.map((row) => {
    const cells = lines.map(({ results }, i) => {
      const v = row.value(results);
      return i === 0 ? v.toFixed(1) : `${v.toFixed(1)} (×${(v / row.value(base)).toFixed(2)})`;
    });
    return `| ${row.label(base).replace(/\|/g, '\\|')} | ${row.unit} | ${cells.join(' | ')} |`;
  });
  const loads = lines.map(({ line, results }) => `Node ${line} ${results.run.loadAverage.start.join(' ')} → ${results.run.loadAverage.end.join(' ')}`);
  return [head, rule, ...rows, '', `Load average (1, 5, 15 min) at the start and end of each line's run: ${loads.join('; ')}.`].join('\n');
}
