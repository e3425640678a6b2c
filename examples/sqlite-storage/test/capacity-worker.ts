/**
 * One "process" of the weighted-capacity test: opens the shared SQLite file and sends
 * `HF_REQUESTS` parallel RequestMachines of 1 unit on the `spot2x` template. Its cloud starts one
 * c5.2xlarge (2 units) per request, with ids unique to this process. Prints `{ accepted, rejected }`.
 */
import { createHostFactory, isKernelError, RequestMachines, type ProviderPort } from 'hostfactory-kernel';
import { createSqliteStorage } from '../sqlite-storage';

const storage = createSqliteStorage({ filename: process.env.HF_SQLITE_FILE!, busyTimeoutMs: 30_000 });
let serial = 0;
const provider: ProviderPort = {
  provision: async ({ count }) => ({
    resourceIds: [],
    machines: Array.from({ length: Math.ceil(count / 2) }, () => ({ machineId: `i-${process.pid}-${++serial}`, status: 'running' as const, instanceType: 'c5.2xlarge' })),
  }),
  describe: async () => [],
  terminate: async ({ machineIds }) => ({ accepted: [...machineIds], failed: [] }),
  reclaimNotices: async () => [],
};
const hf = createHostFactory({ storage, provider });
const answers = await Promise.allSettled(
  Array.from({ length: Number(process.env.HF_REQUESTS) }, () => hf.commands.execute(RequestMachines.from({ templateId: 'spot2x', machineCount: 1 }))),
);
const rejected = answers.filter((a) => a.status === 'rejected').map((a) => (a as PromiseRejectedResult).reason as unknown);
const unexpected = rejected.filter((reason) => !isKernelError(reason, 'TEMPLATE_CAPACITY_EXCEEDED'));
hf.dispose();
storage.close();
if (unexpected.length > 0) {
  console.error(unexpected.map(String).join('\n'));
  process.exit(1);
}
console.log(JSON.stringify({ accepted: answers.length - rejected.length, rejected: rejected.length }));
