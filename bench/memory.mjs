// Memory (issue 9): heap per stored request with 10 machines in the in-memory store (aggregate
// snapshots, event log and read models together), and whether the heap returns to within 10% of its
// starting size after GC following 100k command cycles. Runs in a `node --expose-gc` child.
import { fileURLToPath } from 'node:url';
import 'reflect-metadata';
import { IsInt, IsString, Min, MinLength } from 'class-validator';
import { Command, CreateTemplate, GetRequestStatus, Query, RequestMachines, SyncRequest, commandHandler, createHostFactory, createKernel, queryHandler } from '../dist/index.js';
import { createInMemoryStorage, sequentialIds } from '../dist/testing/index.js';
import { QUICK, machine, runChild, saveResult, target } from './lib/common.mjs';
import { benchProvider, benchTemplate } from './lib/provider.mjs';
import { seedHistory } from './lib/seed.mjs';

const STORED = QUICK ? 5_000 : 20_000;
const KERNEL_CYCLES = 100_000;
const POLL_CYCLES = QUICK ? 5_000 : 20_000;

const heap = () => {
  for (let i = 0; i < 3; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
};

async function child() {
  // 1. Heap per stored request.
  const before = heap();
  const storage = createInMemoryStorage();
  await seedHistory(storage, { count: STORED, ids: sequentialIds(7) });
  const perRequest = (heap() - before) / STORED;

  // 2a. 100k kernel command cycles (a validated command and a validated query through the default pipeline).
  class Add extends Command {
    constructor(name, n) {
      super();
      this.name = name;
      this.n = n;
    }
  }
  IsString()(Add.prototype, 'name');
  MinLength(1)(Add.prototype, 'name');
  IsInt()(Add.prototype, 'n');
  Min(0)(Add.prototype, 'n');
  class Total extends Query {
    constructor(name) {
      super();
      this.name = name;
    }
  }
  IsString()(Total.prototype, 'name');
  const totals = new Map();
  class AddHandler {
    async handle(c) {
      totals.set(c.name, (totals.get(c.name) ?? 0) + c.n);
    }
  }
  class TotalHandler {
    async handle(q) {
      return totals.get(q.name) ?? 0;
    }
  }
  commandHandler(Add)(AddHandler);
  queryHandler(Total)(TotalHandler);
  const kernel = createKernel({ handlers: [AddHandler, TotalHandler] });
  const kernelCycle = async (i) => {
    await kernel.commands.execute(new Add(`k${i % 10}`, i % 7), { correlationId: `c-${i}` });
    await kernel.queries.execute(new Total(`k${i % 10}`));
  };
  for (let i = 0; i < 1000; i++) await kernelCycle(i);
  const kernelStart = heap();
  for (let i = 0; i < KERNEL_CYCLES; i++) await kernelCycle(i);
  const kernelEnd = heap();

  // 2b. Symphony's steady state through the host factory: SyncRequest of an in-progress request
  // (the cloud reports no change, so nothing is written) + GetRequestStatus, over the stored history.
  const hf = createHostFactory({ storage, provider: benchProvider('i-poll', 'pending') });
  await hf.commands.execute(CreateTemplate.from({ template: benchTemplate() }));
  const { requestId } = await hf.commands.execute(RequestMachines.from({ templateId: 'Bench', machineCount: 2 }));
  const pollCycle = async () => {
    await hf.commands.execute(SyncRequest.from({ requestId }));
    const status = await hf.queries.execute(GetRequestStatus.from({ requestId }));
    if (status.status !== 'in_progress') throw new Error(`request is ${status.status}`);
  };
  for (let i = 0; i < 500; i++) await pollCycle();
  const pollStart = heap();
  for (let i = 0; i < POLL_CYCLES; i++) await pollCycle();
  const pollEnd = heap();
  hf.dispose();
  kernel.dispose();
  return { stored: STORED, perRequest, kernel: { cycles: KERNEL_CYCLES, start: kernelStart, end: kernelEnd }, poll: { cycles: POLL_CYCLES, start: pollStart, end: pollEnd } };
}

if (process.argv[2] === 'child') console.log(JSON.stringify(await child()));
else {
  const r = runChild(fileURLToPath(import.meta.url), ['child'], ['--expose-gc', '--max-old-space-size=4096']);
  const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  console.log(`memory — ${machine()}`);
  console.log(`  heap per stored request with 10 machines (in-memory store: snapshots + event log + read models, ${r.stored} stored): ${(r.perRequest / 1024).toFixed(1)} KiB`);
  const growth = (x) => (x.end - x.start) / x.start;
  console.log(`  kernel: ${r.kernel.cycles} command+query cycles: heap after GC ${mib(r.kernel.start)} → ${mib(r.kernel.end)} (${(growth(r.kernel) * 100).toFixed(1)}%)`);
  console.log(`  host factory: ${r.poll.cycles} SyncRequest+GetRequestStatus polls: heap after GC ${mib(r.poll.start)} → ${mib(r.poll.end)} (${(growth(r.poll) * 100).toFixed(1)}%)`);
  console.log('\ntargets');
  target('memory', `heap after ${r.kernel.cycles} kernel command cycles within 10% of its start (${(growth(r.kernel) * 100).toFixed(1)}%)`, Math.abs(growth(r.kernel)) <= 0.1);
  target('memory', `heap after ${r.poll.cycles} host-factory poll cycles within 10% of its start (${(growth(r.poll) * 100).toFixed(1)}%)`, Math.abs(growth(r.poll)) <= 0.1);
  saveResult('memory', r);
}
