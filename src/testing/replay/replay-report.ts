import type { ReplayReport } from './replay';

const MAX_VALUE = 160;

/** The report as text for a terminal or a failing test: the verdict, then each divergence (where, operation, request, field, recorded vs now), then interrupted calls and torn lines. */
export function formatReplayReport(report: ReplayReport): string {
  const lines: string[] = [];
  lines.push(
    report.matched
      ? `MATCHED: ${report.calls} call(s) answered as recorded.`
      : `DIVERGED: ${report.divergenceCount} difference(s) in ${report.calls} call(s); the first ${report.divergences.length}:`,
  );
  for (const d of report.divergences) {
    lines.push(`  ${d.source}:${d.line} ${d.operation}${d.request === '' ? '' : ` (${d.request})`} ${d.field}`);
    lines.push(`    recorded: ${show(d.recorded)}`);
    lines.push(`    now:      ${show(d.now)}`);
  }
  for (const i of report.interrupted) {
    lines.push(`  ${i.source}:${i.line} ${i.operation}${i.request === '' ? '' : ` (${i.request})`} started ${i.at} (pid ${i.pid}) and never finished: the process was killed; not replayed, so what it changed is missing from the calls after it`);
  }
  for (const t of report.torn) lines.push(`  ${t.source}:${t.line} torn line (a process killed or a disk full while writing it): that call was not replayed`);
  return lines.join('\n');
}

function show(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text;
}
