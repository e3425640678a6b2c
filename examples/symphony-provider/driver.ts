import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** What one provider script run gave back. */
export interface ScriptResult {
  document: Record<string, unknown>;
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * How the product lays out the provider's directories: `explicit` sets all four `HF_PROVIDER_*`;
 * `symphony` only `HF_PROVIDER_NAME` and the roots `HF_CONFDIR`/`HF_WORKDIR`/`HF_LOGDIR`; `lsf`
 * what ebrokerd sets (`PROVIDER_NAME`, `PRO_CONF_DIR`, `PRO_DATA_DIR`, `PRO_LSF_LOGDIR`, `PRO_LSF_TOP`).
 */
export type DriverLayout = 'explicit' | 'symphony' | 'lsf';

/** Options of {@link SymphonyDriver}. */
export interface DriverOptions {
  readonly layout?: DriverLayout;
  /** The provider instance's name. Default `sim`. */
  readonly name?: string;
  /** An existing root to share (two instances in one installation). */
  readonly root?: string;
}

/** Variables of either product, never inherited from the test's own environment. */
const PRODUCT_VARIABLE = /^(HF_|PRO_|PROVIDER_NAME$|HOSTFACTORY_PRODUCT$)/;

/**
 * Drives the example provider the way Symphony (or LSF's ebrokerd) does: a temporary installation
 * layout, then one new process per call with a fresh `-f` input file. Used by the tests; `demo.mjs`
 * does the same in plain JavaScript.
 */
export class SymphonyDriver {
  readonly root: string;
  readonly env: Record<string, string>;
  readonly name: string;
  /** Where the templates file goes, the state is kept and the logs are written, in this layout. */
  readonly templatesPath: string;
  readonly stateDir: string;
  readonly logDir: string;
  readonly inputs: string;
  private calls = 0;

  constructor(readonly scriptsDir: string, templatesFile: string, extraEnv: Record<string, string> = {}, options: DriverOptions = {}) {
    this.root = options.root ?? mkdtempSync(join(tmpdir(), 'hf-symphony-'));
    const name = (this.name = options.name ?? 'sim');
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !PRODUCT_VARIABLE.test(key))) as Record<string, string>;
    const r = this.root;
    const layout = options.layout ?? 'explicit';
    let vars: Record<string, string>;
    if (layout === 'explicit') {
      vars = { HF_PROVIDER_NAME: name, HF_PROVIDER_CONFDIR: join(r, 'conf'), HF_PROVIDER_WORKDIR: join(r, 'work'), HF_PROVIDER_LOGDIR: join(r, 'logs') };
      [this.templatesPath, this.stateDir, this.logDir] = [join(r, 'conf', `${name}prov_templates.json`), join(r, 'work'), join(r, 'logs')];
      for (const dir of [this.stateDir, this.logDir]) mkdirSync(dir, { recursive: true });
    } else if (layout === 'symphony') {
      vars = { HF_PROVIDER_NAME: name, HF_CONFDIR: join(r, 'hf', 'conf'), HF_WORKDIR: join(r, 'hf', 'work'), HF_LOGDIR: join(r, 'hf', 'log') };
      [this.templatesPath, this.stateDir, this.logDir] = [join(r, 'hf', 'conf', 'providers', name, `${name}prov_templates.json`), join(r, 'hf', 'work', 'providers', name), join(r, 'hf', 'log')];
      for (const dir of ['work', 'log']) mkdirSync(join(r, 'hf', dir), { recursive: true });
    } else {
      const top = join(r, 'lsf');
      vars = {
        PROVIDER_NAME: name,
        PRO_LSF_TOP: top,
        PRO_CONF_DIR: join(top, 'conf', 'resource_connector', name),
        PRO_DATA_DIR: join(top, 'work', 'cluster1', 'resource_connector'),
        PRO_LSF_LOGDIR: join(top, 'log'),
      };
      [this.templatesPath, this.stateDir, this.logDir] = [join(vars.PRO_CONF_DIR!, 'conf', `${name}prov_templates.json`), join(vars.PRO_DATA_DIR!, name), vars.PRO_LSF_LOGDIR!];
      for (const dir of [vars.PRO_DATA_DIR!, vars.PRO_LSF_LOGDIR!]) mkdirSync(dir, { recursive: true });
    }
    this.env = { ...inherited, ...vars, ...extraEnv };
    this.inputs = join(r, options.root === undefined ? 'inputs' : `inputs-${name}`);
    mkdirSync(this.inputs, { recursive: true });
    mkdirSync(dirname(this.templatesPath), { recursive: true });
    // A templates file already in place (installed by register.mjs) is used as it is.
    if (resolve(templatesFile) !== resolve(this.templatesPath)) copyFileSync(templatesFile, this.templatesPath);
  }

  /** The SQLite file the provider keeps its state in. */
  get database(): string {
    return join(this.stateDir, 'hostfactory.db');
  }

  /** Writes `input` (a JSON value, or raw text when a string is given with `raw`) and runs the script. */
  run(operation: string, input: unknown, options: { raw?: boolean; args?: string[]; env?: Record<string, string> } = {}): Promise<ScriptResult> {
    this.calls += 1;
    const file = join(this.inputs, `${String(this.calls).padStart(3, '0')}-${operation}.json`);
    writeFileSync(file, options.raw ? String(input) : JSON.stringify(input));
    return this.exec(operation, options.args ?? ['-f', file], options.env);
  }

  /** Runs a script with exactly these arguments. */
  exec(operation: string, args: string[], env: Record<string, string> = {}): Promise<ScriptResult> {
    return this.start(operation, args, env).result;
  }

  /** Starts a script with exactly these arguments: its process id at once, its result when it ends. */
  start(operation: string, args: string[], env: Record<string, string> = {}): { pid: number | undefined; result: Promise<ScriptResult> } {
    let pid: number | undefined;
    const result = new Promise<ScriptResult>((resolve) => {
      const child = execFile(join(this.scriptsDir, `${operation}.sh`), args, { env: { ...this.env, ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
        let document: Record<string, unknown> = {};
        try {
          document = JSON.parse(stdout) as Record<string, unknown>;
        } catch {
          document = { unparsable: stdout };
        }
        const exitCode = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ document, stdout, stderr, exitCode });
      });
      pid = child.pid;
    });
    return { pid, result };
  }

  /** Writes `input` as the next `-f` file and returns its path. */
  inputFile(operation: string, input: unknown): string {
    this.calls += 1;
    const file = join(this.root, 'inputs', `${String(this.calls).padStart(3, '0')}-${operation}.json`);
    writeFileSync(file, JSON.stringify(input));
    return file;
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
