/**
 * Validation, in one place: the class-validator options every message is checked with, the
 * compiled plans that run them, the guards on untrusted plain input, and the helpers hand-written
 * parsers share (`Issues` to collect every problem of one input, `describeValue` to name a value in
 * a message without quoting it, issue paths). The limits themselves are the domain's
 * (`REQUEST_LIMITS`, `TEXT_LIMITS`, …): commands and wire parsers read them from there.
 */
export { VALIDATOR_OPTIONS, MAX_INPUT_DEPTH, MAX_INPUT_KEYS, assertValid, collectIssues, deepFreeze, inspectPlain, toIssues } from './validation/validate';
export { Issues, collect, describeValue } from './validation/issues';
export { isRecord, isPlainObject, joinPath, pathUnder, underPath, movedPaths } from './validation/issue-paths';
