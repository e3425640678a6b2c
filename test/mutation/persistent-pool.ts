import { Worker } from 'node:worker_threads';
import type { PoolOptions, PoolRunnerInitializer, PoolWorker, VitestPluginContext, WorkerRequest } from 'vitest/node';

// A vitest pool for mutation testing (vitest.mutation.config.ts): Stryker's vitest runner calls
// `vitest.start()` once per mutant, and the built-in `threads` pool ends its worker at the end of every run,
// so each mutant paid for a new thread and for importing the library, class-validator and fast-check
// again. This pool keeps one thread per project for the whole Stryker worker: a run re-imports only the
// test files (vitest invalidates them before each run) and reuses every other module it has evaluated.
// Only a run whose mutant is activated at runtime reuses the thread: a static mutant is planted while the
// modules load, so those runs (and the dry run, which records static coverage) get a fresh thread.

const NAME = 'persistent-threads';
const ENTRY = new URL('./persistent-worker.mjs', import.meta.url);
const kept = new Map<string, Worker>();
// A kept thread slows down as it serves runs (every run imports the test files afresh, and what they
// leave behind piles up): on `src/domain`, the median run that stopped at its first test grew from 0.3 s
// over the first 500 mutants to 4.4 s after 1,100. A thread is replaced by a fresh one after this many
// runs; the fresh one loads the library again once (a few seconds) and is fast again.
const RUNS_PER_THREAD = 100;
const served = new WeakMap<Worker, number>();

function reusable(options: PoolOptions): boolean {
  const provided = options.project.getProvidedContext() as Record<string, unknown>;
  return provided.mode === 'mutant' && provided.mutantActivation === 'runtime';
}

class PersistentThreadsWorker implements PoolWorker {
  readonly name = NAME;
  private thread: Worker | undefined;
  private keep = false;
  private readonly listeners: [string, (arg: unknown) => void][] = [];
  constructor(private readonly options: PoolOptions) {}

  async start(): Promise<void> {
    const key = this.options.project.name;
    this.keep = reusable(this.options);
    const existing = this.keep ? kept.get(key) : undefined;
    if (existing !== undefined) {
      const runs = served.get(existing) ?? 0;
      if (runs < RUNS_PER_THREAD) {
        served.set(existing, runs + 1);
        this.thread = existing;
        return;
      }
      kept.delete(key);
      await existing.terminate();
    }
    const { vitest } = this.options.project;
    const thread = new Worker(ENTRY, { env: this.options.env, execArgv: this.options.execArgv, stdout: true, stderr: true });
    thread.stdout.pipe(vitest.logger.outputStream);
    thread.stderr.pipe(vitest.logger.errorStream);
    thread.once('exit', () => kept.get(key) === thread && kept.delete(key));
    if (this.keep) {
      thread.unref();
      kept.set(key, thread);
      served.set(thread, 1);
    }
    this.thread = thread;
  }

  on(event: string, callback: (arg: unknown) => void): void {
    this.listeners.push([event, callback]);
    this.current.on(event, callback);
  }

  off(event: string, callback: (arg: unknown) => void): void {
    const index = this.listeners.findIndex(([e, c]) => e === event && c === callback);
    if (index !== -1) this.listeners.splice(index, 1);
    this.current.off(event, callback);
  }

  send(message: WorkerRequest): void {
    this.current.postMessage(message);
  }

  async stop(): Promise<void> {
    const thread = this.current;
    for (const [event, callback] of this.listeners.splice(0)) thread.off(event, callback);
    this.thread = undefined;
    if (!this.keep || kept.get(this.options.project.name) !== thread) await thread.terminate();
  }

  deserialize(data: unknown): unknown {
    return data;
  }

  private get current(): Worker {
    if (!this.thread) throw new Error(`The ${NAME} worker was stopped.`);
    return this.thread;
  }
}

const persistentThreads: PoolRunnerInitializer = { name: NAME, createPoolWorker: (options) => new PersistentThreadsWorker(options) };

/**
 * Makes the project it is added to run in the persistent pool. A plugin, not `test.pool`, because Stryker
 * passes `pool: 'threads'` on the command line and that overrides every project's `pool`.
 */
export function persistentPool(): { name: string; configureVitest: (context: VitestPluginContext) => void } {
  return {
    name: 'hostfactory:persistent-pool',
    configureVitest({ project, vitest }) {
      project.config.pool = NAME;
      project.config.poolRunner = persistentThreads;
      vitest.onClose(async () => {
        await Promise.all([...kept.values()].map((thread) => thread.terminate()));
        kept.clear();
      });
    },
  };
}
