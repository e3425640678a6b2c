// Prints the mutation score of a StrykerJS JSON report and every mutant no test killed, grouped by file, each
// with the decision recorded for it in docs/mutation/decisions/*.jsonl (a test added, an equivalent mutant, or
// no test and why), as the Markdown of docs/mutation/survivors.md. Usage, after `npm run test:mutation`:
//   node scripts/mutation-survivors.mjs [report.json] [--decisions DIR] [--check] [--undecided]
//     --check      exit 1 when a surviving mutant has no decision (and print which)
//     --undecided  print only the mutants without a decision, one JSON line each, ready to fill in
// A decision matches a mutant by file, mutator, original text and replacement; when several mutants of a
// file share all four, the decision nearest in line number takes each (lines move as code is edited).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const positional = args.filter((arg, i) => !arg.startsWith('--') && !(i > 0 && args[i - 1] === '--decisions'));
const path = positional[0] ?? 'reports/mutation/mutation.json';
const decisionsDir = option('--decisions', 'docs/mutation/decisions');
const report = JSON.parse(readFileSync(path, 'utf8'));

const KINDS = { test: 'test added', equivalent: 'equivalent', 'no-test': 'no test' };
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
const totals = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0, CompileError: 0, RuntimeError: 0 };

const squash = (text) => text.replace(/\s+/g, ' ').trim();

/** The mutated text, one line, whitespace squashed. */
function original(source, location) {
  const lines = source.split('\n');
  const { start, end } = location;
  if (start.line === end.line) return squash(lines[start.line - 1].slice(start.column - 1, end.column - 1));
  return squash(`${lines[start.line - 1].slice(start.column - 1)} ...`);
}

/** A Markdown table cell: shortened, pipes and backticks escaped. */
function cell(text, width = 70) {
  const short = text.length > width ? `${text.slice(0, width - 3)}...` : text;
  return `\`${short.replaceAll('|', '\\|').replaceAll('`', "'")}\``;
}

/** The decisions, grouped by their matching key; each line of each .jsonl file is one JSON object. */
function readDecisions() {
  const byKey = new Map();
  const files = existsSync(decisionsDir) ? readdirSync(decisionsDir).filter((name) => name.endsWith('.jsonl')).sort() : [];
  for (const name of files) readDecisionFile(join(decisionsDir, name), byKey);
  return byKey;
}

function readDecisionFile(decisionsPath, byKey) {
  readFileSync(decisionsPath, 'utf8').split('\n').forEach((text, index) => {
    if (text.trim() === '' || text.trim().startsWith('//')) return;
    let entry;
    try {
      entry = JSON.parse(text);
    } catch (error) {
      throw new Error(`${decisionsPath}:${index + 1}: not JSON (${error.message})`);
    }
    if (!(entry.decision in KINDS) || typeof entry.why !== 'string' || entry.why.trim() === '') {
      throw new Error(`${decisionsPath}:${index + 1}: "decision" must be one of ${Object.keys(KINDS).join(', ')} and "why" must say why`);
    }
    const key = [entry.file, entry.mutator, squash(entry.original ?? ''), squash(entry.replacement ?? '')].join('\u0000');
    byKey.set(key, [...(byKey.get(key) ?? []), { ...entry, used: false }]);
  });
}

const decisions = readDecisions();
/** The unused decision for this mutant whose line is nearest, or undefined. */
function decide(file, mutant, text) {
  const key = [file, mutant.mutatorName, text, squash(mutant.replacement ?? '')].join('\u0000');
  const free = (decisions.get(key) ?? []).filter((entry) => !entry.used);
  if (free.length === 0) return undefined;
  free.sort((a, b) => Math.abs(a.line - mutant.location.start.line) - Math.abs(b.line - mutant.location.start.line));
  free[0].used = true;
  return free[0];
}

const rows = [];
const undecided = [];
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
  rows.push('| line | status | mutator | original | mutant | decision |', '|---|---|---|---|---|---|');
  left.sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column);
  for (const mutant of left) {
    const status = mutant.status === 'NoCoverage' ? 'no coverage' : 'survived';
    const text = original(source, mutant.location);
    const decision = decide(file, mutant, text);
    if (decision === undefined) {
      undecided.push({ file, line: mutant.location.start.line, mutator: mutant.mutatorName, original: text, replacement: squash(mutant.replacement ?? ''), decision: '', why: '' });
    }
    const said = decision === undefined ? '**undecided**' : `${KINDS[decision.decision]}: ${squash(decision.why).replaceAll('|', '\\|')}`;
    rows.push(`| ${mutant.location.start.line} | ${status} | ${mutant.mutatorName} | ${cell(text)} | ${cell(squash(mutant.replacement ?? ''), 40)} | ${said} |`);
  }
}

if (flag('--undecided')) {
  for (const entry of undecided) console.log(JSON.stringify(entry));
  process.exit(0);
}

const detected = totals.Killed + totals.Timeout;
const valid = detected + totals.Survived + totals.NoCoverage;
const undetected = totals.Survived + totals.NoCoverage;
console.log(`Mutation score ${valid === 0 ? 'n/a' : ((100 * detected) / valid).toFixed(1)} % of ${valid} mutants: ` +
  `${totals.Killed} killed, ${totals.Timeout} timed out, ${totals.Survived} survived, ${totals.NoCoverage} without coverage ` +
  `(${totals.Ignored} static mutants ignored, ${totals.CompileError + totals.RuntimeError} compile or runtime errors).`);
const tally = {};
for (const entries of decisions.values()) for (const entry of entries) if (entry.used) tally[entry.decision] = (tally[entry.decision] ?? 0) + 1;
console.log(`Decisions for the ${undetected} not detected: ${Object.entries(KINDS).map(([kind, label]) => `${tally[kind] ?? 0} ${label}`).join(', ')}, ${undecided.length} undecided.`);
console.log(rows.join('\n'));
if (flag('--check') && undecided.length > 0) {
  console.error(`${undecided.length} surviving mutants have no decision in ${decisionsDir}; list them with --undecided.`);
  process.exit(1);
}
