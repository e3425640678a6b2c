/**
 * The example provider's configuration: the templates file and the SQLite addon (the environment
 * Symphony or LSF sets is read by the library: `resolveProviderEnvironment`).
 * Every failure is a {@link ProviderConfigError} whose message names what is wrong (which variable,
 * which file, which line and column) without quoting file content, environment values or paths:
 * the provider prints it on stdout, where Symphony shows it to anyone reading its logs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { version as BUNDLED_SQLITE_VERSION } from 'better-sqlite3/package.json';
import { KernelError } from 'hostfactory-kernel';
import { parseJsonText } from 'hostfactory-kernel/hostfactory';

/** Stable codes of {@link ProviderConfigError}. */
export type ProviderConfigErrorCode =
  | 'TEMPLATES_FILE_MISSING'
  | 'TEMPLATES_FILE_UNREADABLE'
  | 'TEMPLATES_FILE_INVALID_JSON'
  | 'SQLITE_ADDON_MISSING'
  | 'SQLITE_ADDON_MISMATCH'
  | 'CLOUDS_FILE_INVALID'
  | 'TEMPLATE_REFUSED';

/** A configuration problem of the example provider; `details` name the variable or file and the place. */
export class ProviderConfigError extends KernelError {
  declare readonly code: ProviderConfigErrorCode;

  constructor(code: ProviderConfigErrorCode, message: string, details: Record<string, unknown>, cause?: unknown) {
    super(code, message, cause === undefined ? { details } : { details, cause });
  }
}

/** The example's error for a missing templates file names the sample that shows the format. */
const SAMPLE = "the example's sample/simprov_templates.json";

/**
 * Reads and parses the templates file at `path` (named in messages as `described`, from the variables
 * it comes from): its text (for change detection) and its JSON value. TEMPLATES_FILE_MISSING,
 * TEMPLATES_FILE_UNREADABLE or TEMPLATES_FILE_INVALID_JSON (with line and column).
 */
export function readTemplatesFile(path: string, described: string): { text: string; document: unknown } {
  const TEMPLATES_FILE = described;
  let text: string;
  try {
    text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    if (code === 'ENOENT') {
      throw new ProviderConfigError('TEMPLATES_FILE_MISSING', `The templates file (${TEMPLATES_FILE}) does not exist: create it (${SAMPLE} shows the format).`, { file: 'templates' }, error);
    }
    throw new ProviderConfigError('TEMPLATES_FILE_UNREADABLE', `The templates file (${TEMPLATES_FILE}) cannot be read (${code}): it must be a regular file this user can read.`, { file: 'templates', errno: code }, error);
  }
  const document = parseJsonText(
    text,
    (where, location) =>
      new ProviderConfigError(
        'TEMPLATES_FILE_INVALID_JSON',
        `The templates file (${TEMPLATES_FILE}) is not valid JSON (syntax error at ${where}): correct it; until then getAvailableTemplates and requestMachines fail, the other operations keep working.`,
        { file: 'templates', ...(location === undefined ? {} : { line: location.line, column: location.column }) },
      ),
  );
  return { text, document };
}

/** Reads a JSON configuration file other than the templates file; any problem is `code`, naming the file as `described`. */
export function readJsonConfig(path: string, described: string, code: ProviderConfigErrorCode): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ProviderConfigError(code, `${described} cannot be read (${errno}): it must be a regular file this user can read.`, { errno }, error);
  }
  return parseJsonText(
    text,
    (where, location) =>
      new ProviderConfigError(code, `${described} is not valid JSON (syntax error at ${where}): correct it.`, location === undefined ? {} : { line: location.line, column: location.column }),
  );
}

/**
 * The path of better-sqlite3's compiled addon in the node_modules next to the bundle, for the
 * better-sqlite3 JavaScript bundled into the provider (examples/tsup.config.ts): loading it by path
 * spares better-sqlite3's own search (a dozen probed paths and a stack trace read on every call).
 * SQLITE_ADDON_MISSING when better-sqlite3 or its built addon is not there; SQLITE_ADDON_MISMATCH
 * when node_modules holds another release than the bundle was built with (rebuild the bundle).
 * `searched` is where Node looks for the package from the bundle, nearest first (the bundle's
 * `require.resolve.paths('better-sqlite3')`; a parameter for tests): the first of those folders
 * holding `better-sqlite3/package.json` is the one `require` would load. Looked up by hand, not
 * with `require.resolve`, which also reads and parses the bundle's own package.json on the way
 * (about 0.5 ms of every call).
 */
export function sqliteAddonPath(searched: readonly string[] | null): string {
  const missing = (cause?: unknown) =>
    new ProviderConfigError('SQLITE_ADDON_MISSING', 'better-sqlite3 and its built addon (build/Release/better_sqlite3.node) must be installed in the node_modules next to the provider: run npm install (or npm rebuild better-sqlite3).', { module: 'better-sqlite3' }, cause);
  const directory = (searched ?? []).map((folder) => join(folder, 'better-sqlite3')).find((folder) => existsSync(join(folder, 'package.json')));
  if (directory === undefined) throw missing();
  let installed: unknown;
  try {
    installed = (JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as { version?: unknown }).version;
  } catch (error) {
    throw missing(error);
  }
  if (installed !== BUNDLED_SQLITE_VERSION) {
    throw new ProviderConfigError(
      'SQLITE_ADDON_MISMATCH',
      `node_modules holds better-sqlite3 ${String(installed)} but the provider was bundled with ${BUNDLED_SQLITE_VERSION}: rebuild it (npm run build:examples) or install that release.`,
      { module: 'better-sqlite3', installed, bundled: BUNDLED_SQLITE_VERSION },
    );
  }
  const addon = join(directory, 'build', 'Release', 'better_sqlite3.node');
  if (!existsSync(addon)) throw missing();
  return addon;
}
