/**
 * Writes the incident scenario files of this directory by recording each incident on the fake cloud
 * (`npm run scenarios:record`): the same recorder the provider uses, then each recording saved as
 * YAML with a description. Re-run it only when an answer changes on purpose, and review the diff:
 * the files are the regression tests (incidents.test.ts replays them).
 */
import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createCallRecorder, createHostFactoryApi, parseTemplatesFile, readRecording, type CallRecorder, type HostFactoryApi, type RecordedCall } from 'hostfactory-kernel/hostfactory';
import { createInMemoryStorage, createTestHostFactory, FakeProvider, ManualClock, sequentialIds, toScenarioFile, type TestHostFactory } from 'hostfactory-kernel/testing';
import type { Storage } from 'hostfactory-kernel/storage';

const here = __dirname.endsWith('replay-scenarios') ? __dirname : join(process.cwd(), 'examples', 'replay-scenarios');
const templates = JSON.parse(readFileSync(join(here, '..', 'symphony-provider', 'sample', 'simprov_templates.json'), 'utf8')) as unknown;

interface Site {
  readonly api: HostFactoryApi;
  readonly fake: FakeProvider;
  readonly clock: ManualClock;
  readonly hostFactory: TestHostFactory;
  /** The next commit fails with this message (as a full disk makes SQLite fail). */
  failNextCommit(message: string): void;
  /** getAvailableTemplates with the templates imported inside the call, as the example provider does. */
  firstCall(): Promise<unknown>;
}

function site(recorder: CallRecorder, providerTimeoutMs = 30_000): Site {
  const clock = new ManualClock(new Date('2026-01-05T09:00:00.000Z'));
  const fake = new FakeProvider({ clock });
  let fault: string | undefined;
  const memory = createInMemoryStorage();
  const storage: Storage = {
    ...memory,
    unitOfWork: {
      transaction: (work) => {
        const message = fault;
        fault = undefined;
        if (message === undefined) return memory.unitOfWork.transaction(work);
        return memory.unitOfWork.transaction(async (tx) => {
          await work(tx);
          throw new Error(message);
        });
      },
    },
  };
  const hostFactory = createTestHostFactory({ storage, provider: recorder.provider(fake), clock: recorder.clock(clock), ids: recorder.ids(sequentialIds()), limits: { providerTimeoutMs } });
  const api = createHostFactoryApi(hostFactory, { recorder });
  const plain = createHostFactoryApi(hostFactory);
  return {
    api,
    fake,
    clock,
    hostFactory,
    failNextCommit: (message) => void (fault = message),
    firstCall: () =>
      recorder.record({ operation: 'getAvailableTemplates', dialect: 'symphony' }, async () => {
        recorder.note({ input: null, setup: { templates } });
        await hostFactory.commands.execute(parseTemplatesFile(templates, { deactivateMissing: true }));
        return plain.getAvailableTemplates();
      }),
  };
}

type Machines = { requests: { status: string; machines: { name: string; machineId: string; status: string }[] }[] };

const INCIDENTS: Record<string, { description: string; providerTimeoutMs?: number; run(s: Site): Promise<void> }> = {
  'killed-request-machines': {
    description:
      'requestMachines whose provision call never answered: the library gives up at its provider time limit (well inside Symphony\'s action timeout, so the script is not killed with nothing said), answers the timeout, and the next calls settle the request and release what the cloud may have started.',
    providerTimeoutMs: 50,
    async run(s) {
      s.fake.script({ templateId: 'OnDemand-Small' }, { hangAt: { provision: true } });
      const asked = (await s.api.requestMachines({ template: { templateId: 'OnDemand-Small', machineCount: 2 } })) as { document: { requestId?: string } };
      s.fake.script({ templateId: 'OnDemand-Small' }, { hangAt: { provision: false } });
      await s.api.getAvailableTemplates({});
      s.clock.advance({ minutes: 40 });
      await s.api.getReturnRequests({ machines: [] });
      if (asked.document.requestId !== undefined) await s.api.getRequestStatus({ requests: [{ requestId: asked.document.requestId }] });
    },
  },
  'host-terminated-behind-symphony': {
    description: 'A running host terminated in the cloud console: getRequestStatus shows it terminated, and getReturnRequests asks Symphony to let it go.',
    async run(s) {
      const { document } = (await s.api.requestMachines({ template: { templateId: 'OnDemand-Small', machineCount: 2 } })) as { document: { requestId: string } };
      s.clock.advance({ seconds: 30 });
      const status = (await s.api.getRequestStatus({ requests: [{ requestId: document.requestId }] })) as { document: Machines };
      const [first] = status.document.requests[0]!.machines;
      s.fake.kill(first!.machineId);
      await s.api.getRequestStatus({ requests: [{ requestId: document.requestId }] });
      await s.api.getReturnRequests({ machines: status.document.requests[0]!.machines.map(({ name, machineId }) => ({ name, machineId })) });
    },
  },
  'full-disk-on-commit': {
    description: 'The disk fills as requestMachines commits: the call answers an error and writes nothing; Symphony retries and the retry works, with no machine started twice.',
    async run(s) {
      s.failNextCommit('SQLITE_FULL: database or disk is full');
      await s.api.requestMachines({ template: { templateId: 'OnDemand-Small', machineCount: 3 } });
      const { document } = (await s.api.requestMachines({ template: { templateId: 'OnDemand-Small', machineCount: 3 } })) as { document: { requestId: string } };
      s.clock.advance({ seconds: 30 });
      await s.api.getRequestStatus({ requests: [{ requestId: document.requestId }] });
      await s.api.getAvailableTemplates({});
    },
  },
  'weighted-capacity-parallel-requests': {
    description: 'Two requests on a weighted spot template (c5.2xlarge weighs 2, c5.4xlarge 4; maxNumber 40 units) before either finishes: each is admitted against what the other already holds, and getAvailableTemplates counts both.',
    async run(s) {
      const a = (await s.api.requestMachines({ template: { templateId: 'Spot-Mixed', machineCount: 24 } })) as { document: { requestId: string } };
      const b = (await s.api.requestMachines({ template: { templateId: 'Spot-Mixed', machineCount: 24 } })) as { document: { requestId?: string } };
      await s.api.getAvailableTemplates({});
      s.clock.advance({ seconds: 30 });
      await s.api.getRequestStatus({ requests: [{ requestId: a.document.requestId }, ...(b.document.requestId === undefined ? [] : [{ requestId: b.document.requestId }])] });
      await s.api.getAvailableTemplates({});
    },
  },
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hf-incidents-'));
  try {
    for (const [name, incident] of Object.entries(INCIDENTS)) {
      const recorder = createCallRecorder({ dir, fileName: `${name}.jsonl` });
      const s = site(recorder, incident.providerTimeoutMs);
      await s.firstCall();
      await incident.run(s);
      s.hostFactory.dispose();
      recorder.close();
      const recorded: RecordedCall[] = [];
      for await (const entry of readRecording(recorder.path)) if (entry.call !== undefined) recorded.push(entry.call);
      const { calls, ...scenario } = toScenarioFile(name, incident.description, recorded);
      // The full-disk call's fault, so a replay injects it at the same commit.
      const faulted = name === 'full-disk-on-commit' ? calls.map((call, i) => (i === 1 ? { ...call, fault: { commit: 'SQLITE_FULL: database or disk is full' } } : call)) : calls;
      const document = { ...scenario, ...(incident.providerTimeoutMs === undefined ? {} : { providerTimeoutMs: incident.providerTimeoutMs }), calls: faulted };
      writeFileSync(join(here, `${name}.yaml`), `# Written by record-incidents.ts (npm run scenarios:record); replayed by incidents.test.ts.\n${stringify(document, { lineWidth: 0 })}`);
      console.log(`${name}.yaml: ${calls.length} calls`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
