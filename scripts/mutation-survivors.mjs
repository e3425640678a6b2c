// Prints the mutation score of a StrykerJS JSON report and every mutant no test killed, grouped by file, each
// with the decision recorded for it in docs/mutation/decisions/*.jsonl (a test added, an equivalent mutant, or
// no test and why), as the Markdown of docs/mutation/survivors.md. Usage, after `npm run test:mutation`:
//   node scripts/mutation-survivors.mjs [report.json] [--decisions DIR] [--check] [--undecided]
//     --check      exit 1 when a surviving mutant has no decision (and print which)
//     --undecided  print only the mutants without a decision, one JSON line each, ready to fill in
// A decision matches a mutant by file, mutator, original text and replacement; when several mutants of a
// file share all four, they and their decisions are paired in line order, nearest overall (lines move as
// code is edited, in order).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { score, statusCounts } from './mutation-report.mjs';

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

/**
 * The decision of each mutant of one file (detected or not), by mutant. Within each key (file, mutator,
 * original text, replacement) mutants and decisions are paired in line order with the least total distance
 * in lines: edits move lines but keep the order of what they move, so the n-th `{}` of a file keeps its
 * decision even when several blocks above it grew. Detected mutants take part, so a decision whose mutant
 * a test kills now stays with it (unused) instead of passing to another one of the same key; with more
 * mutants than decisions, the undetected ones left without are the undecided.
 */
function decideFile(file, source, mutants) {
  const groups = new Map();
  for (const mutant of mutants) {
    const key = [file, mutant.mutatorName, original(source, mutant.location), squash(mutant.replacement ?? '')].join('\u0000');
    groups.set(key, [...(groups.get(key) ?? []), mutant]);
  }
  const chosen = new Map();
  for (const [key, group] of groups) {
    const entries = (decisions.get(key) ?? []).filter((entry) => !entry.used).sort((a, b) => a.line - b.line);
    const sorted = [...group].sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column);
    for (const [mutant, entry] of alignByLine(sorted, entries)) {
      if (UNDETECTED.has(mutant.status)) entry.used = true;
      chosen.set(mutant, entry);
    }
  }
  return chosen;
}

/** The order-keeping pairing of `mutants` and `entries` (both sorted by line) of least total line distance, as many pairs as the shorter side. */
function alignByLine(mutants, entries) {
  const flip = mutants.length > entries.length;
  // A decision is for a mutant that survived: at equal distance (two mutants of one line) it goes to the undetected one.
  const at = (m) => m.location.start.line + (UNDETECTED.has(m.status) ? 0 : 0.001);
  const short = flip ? entries.map((e) => e.line) : mutants.map(at);
  const long = flip ? mutants.map(at) : entries.map((e) => e.line);
  // cost[i][j]: the least cost pairing the first i of `short` with i of the first j of `long`.
  const cost = Array.from({ length: short.length + 1 }, () => new Array(long.length + 1).fill(Infinity));
  for (let j = 0; j <= long.length; j++) cost[0][j] = 0;
  for (let i = 1; i <= short.length; i++) {
    for (let j = i; j <= long.length; j++) cost[i][j] = Math.min(cost[i][j - 1], cost[i - 1][j - 1] + Math.abs(short[i - 1] - long[j - 1]));
  }
  const pairs = [];
  for (let i = short.length, j = long.length; i > 0; j--) {
    if (cost[i][j] === cost[i - 1][j - 1] + Math.abs(short[i - 1] - long[j - 1])) {
      pairs.push(flip ? [mutants[j - 1], entries[i - 1]] : [mutants[i - 1], entries[j - 1]]);
      i--;
    }
  }
  return pairs;
}

const rows = [];
const undecided = [];
for (const [file, { source, mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  const counts = { detected: 0, undetected: 0 };
  const left = [];
  for (const mutant of mutants) {
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
  const chosen = decideFile(file, source, mutants.filter((mutant) => DETECTED.has(mutant.status) || UNDETECTED.has(mutant.status)));
  for (const mutant of left) {
    const status = mutant.status === 'NoCoverage' ? 'no coverage' : 'survived';
    const text = original(source, mutant.location);
    const decision = chosen.get(mutant);
    if (decision === undefined) {
      undecided.push({ file, line: mutant.location.start.line, mutator: mutant.mutatorName, original: text, replacement: squash(mutant.replacement ?? ''), decision: '', why: '' });
    }
    const said = decision === undefined ? '**undecided**' : `${KINDS[decision.decision]}: ${squash(decision.why).replaceAll('|', '\\|')}`;
    rows.push(`| ${mutant.location.start.line} | ${status} | ${mutant.mutatorName} | ${cell(text)} | ${cell(squash(mutant.replacement ?? ''), 40)} | ${said} |`);
  }
}

// process.exit() would cut off output still queued for a pipe (`... --undecided | wc -l` counted 362 of 438).
if (flag('--undecided')) {
  for (const entry of undecided) console.log(JSON.stringify(entry));
} else {

  const totals = statusCounts(report);
  const { valid, undetected, percent } = score(totals);
  console.log(`Mutation score ${percent === undefined ? 'n/a' : percent.toFixed(1)} % of ${valid} mutants: ` +
    `${totals.Killed} killed, ${totals.Timeout} timed out, ${totals.Survived} survived, ${totals.NoCoverage} without coverage ` +
    `(${totals.Ignored} static mutants ignored, ${totals.CompileError + totals.RuntimeError} compile or runtime errors).`);
  const tally = {};
  for (const entries of decisions.values()) for (const entry of entries) if (entry.used) tally[entry.decision] = (tally[entry.decision] ?? 0) + 1;
  console.log(`Decisions for the ${undetected} not detected: ${Object.entries(KINDS).map(([kind, label]) => `${tally[kind] ?? 0} ${label}`).join(', ')}, ${undecided.length} undecided.`);
  console.log(rows.join('\n'));
  if (flag('--check') && undecided.length > 0) {
    console.error(`${undecided.length} surviving mutants have no decision in ${decisionsDir}; list them with --undecided.`);
    process.exitCode = 1;
  }
}
