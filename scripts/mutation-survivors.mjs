// Prints the mutation score of a StrykerJS JSON report and every mutant no test killed, grouped by file, as
// the Markdown docs/reliability.md ("Mutation testing") carries. Usage, after `npm run test:mutation`:
//   node scripts/mutation-survivors.mjs [reports/mutation/mutation.json]
import { readFileSync } from 'node:fs';

const path = process.argv[2] ?? 'reports/mutation/mutation.json';
const report = JSON.parse(readFileSync(path, 'utf8'));

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
const totals = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0, CompileError: 0, RuntimeError: 0 };

/** The mutated text on one line, shortened, with Markdown table pipes escaped. */
function cell(text) {
  const flat = text.replace(/\s+/g, ' ').trim();
  const short = flat.length > 70 ? `${flat.slice(0, 67)}...` : flat;
  return `\`${short.replaceAll('|', '\\|').replaceAll('`', "'")}\``;
}

function original(source, location) {
  const lines = source.split('\n');
  const { start, end } = location;
  if (start.line === end.line) return lines[start.line - 1].slice(start.column - 1, end.column - 1);
  return `${lines[start.line - 1].slice(start.column - 1)} ...`;
}

const rows = [];
for (const [file, { source, mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  const counts = { detected: 0, undetected: 0 };
  const left = [];
  for (const mutant of mutants) {
    totals[mutant.status] = (totals[mutant.status] ?? 0) + 1;
    if (DETECTED.has(mutant.status)) counts.detected += 1;
    if (UNDETECTED.has(mutant.status)) {
      counts.undetected += 1;
      left.push(mutant);
    }
  }
  const valid = counts.detected + counts.undetected;
  const score = valid === 0 ? 'n/a' : `${((100 * counts.detected) / valid).toFixed(1)} %`;
  rows.push(`\n#### \`${file}\`: ${score} (${counts.detected} of ${valid} detected)\n`);
  if (left.length === 0) continue;
  rows.push('| line | status | mutator | original | mutant |', '|---|---|---|---|---|');
  left.sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column);
  for (const mutant of left) {
    const status = mutant.status === 'NoCoverage' ? 'no coverage' : 'survived';
    rows.push(`| ${mutant.location.start.line} | ${status} | ${mutant.mutatorName} | ${cell(original(source, mutant.location))} | ${cell(mutant.replacement ?? '')} |`);
  }
}

const detected = totals.Killed + totals.Timeout;
const valid = detected + totals.Survived + totals.NoCoverage;
console.log(`Mutation score ${valid === 0 ? 'n/a' : ((100 * detected) / valid).toFixed(1)} % of ${valid} mutants: ` +
  `${totals.Killed} killed, ${totals.Timeout} timed out, ${totals.Survived} survived, ${totals.NoCoverage} without coverage ` +
  `(${totals.Ignored} static mutants ignored, ${totals.CompileError + totals.RuntimeError} compile or runtime errors).`);
console.log(rows.join('\n'));
