import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What one provider script run gave back. */
export interface ScriptResult {
  document: Record<string, unknown>;
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * Drives the example provider the way Symphony does: a temporary conf/work/log layout, then one new
 * process per call with a fresh `-f` input file. Used by the tests; `demo.mjs` does the same in
 * plain JavaScript.
 */
export class SymphonyDriver {
  readonly root = mkdtempSync(join(tmpdir(), 'hf-symphony-'));
  readonly env: Record<string, string>;
  private calls = 0;

  constructor(readonly scriptsDir: string, templatesFile: string, extraEnv: Record<string, string> = {}) {
    this.env = {
      ...(process.env as Record<string, string>),
      HF_PROVIDER_NAME: 'sim',
      HF_PROVIDER_CONFDIR: join(this.root, 'conf'),
      HF_PROVIDER_WORKDIR: join(this.root, 'work'),
      HF_PROVIDER_LOGDIR: join(this.root, 'logs'),
      ...extraEnv,
    };
    for (const dir of ['conf', 'work', 'logs', 'inputs']) mkdirSync(join(this.root, dir), { recursive: true });
    copyFileSync(templatesFile, join(this.root, 'conf', 'simprov_templates.json'));
  }

  /** The SQLite file the provider keeps its state in. */
  get database(): string {
    return join(this.root, 'work', 'hostfactory.db');
  }

  /** Writes `input` (a JSON value, or raw text when a string is given with `raw`) and runs the script. */
  run(operation: string, input: unknown, options: { raw?: boolean; args?: string[]; env?: Record<string, string> } = {}): Promise<ScriptResult> {
    this.calls += 1;
    const file = join(this.root, 'inputs', `${String(this.calls).padStart(3, '0')}-${operation}.json`);
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
