import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT } from './build-script';

/** A running child `node` process and what it printed so far. */
export interface Child {
  readonly process: ChildProcess;
  readonly output: { stdout: string; stderr: string };
  /** Resolves with the exit code (or the signal name) once the process ended. */
  readonly exited: Promise<number | string>;
}

/** Starts `node script` from the repository root with `env` added to this process's environment. */
export function startNode(script: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, [script], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { process: child, output, exited };
}

/** Waits for a child to exit 0 and parses the JSON document on its last stdout line; rejects quoting its output otherwise. */
export async function jsonResult<T>(child: Child): Promise<T> {
  const code = await child.exited;
  const last = child.output.stdout.trim().split('\n').pop() ?? '';
  if (code !== 0) throw new Error(`child exited with ${code}\n--- stdout\n${child.output.stdout}\n--- stderr\n${child.output.stderr}`);
  return JSON.parse(last) as T;
}
