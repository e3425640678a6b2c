// What the two mutation scripts read from a StrykerJS JSON report the same way: each status's count and the
// score, as Stryker computes it (killed and timed out, of those plus survived and without coverage; static
// mutants left out by `ignoreStatic`, compile and runtime errors are not counted).

/** Each status's count over the report's files. */
export function statusCounts(report) {
  const counts = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0, CompileError: 0, RuntimeError: 0 };
  for (const { mutants } of Object.values(report.files)) for (const mutant of mutants) counts[mutant.status] = (counts[mutant.status] ?? 0) + 1;
  return counts;
}

/** Detected, valid and undetected mutants of those counts, and the score in percent (undefined when none is valid). */
export function score(counts) {
  const detected = counts.Killed + counts.Timeout;
  const undetected = counts.Survived + counts.NoCoverage;
  const valid = detected + undetected;
  return { detected, undetected, valid, percent: valid === 0 ? undefined : (100 * detected) / valid };
}
