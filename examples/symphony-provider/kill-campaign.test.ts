import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SymphonyDriver } from './driver';
import {
  campaignSeed,
  cloudMachines,
  KILLED_OPERATIONS,
  provisionedTwice,
  runScript,
  seededRandom,
  storageState,
  SymphonyView,
  type KilledOperation,
  type RunOutcome,
} from './kill-harness';
import { buildProvider, expectConsistent, sampleTemplates, scripts } from './test-support';

beforeAll(buildProvider, 120_000);

const KILLS_PER_OPERATION = 20;
const MAX_ROUNDS = 400;
/** Past every request's deadline (default timeout 3600 s) for the closing Symphony cycle. */
const LATER = { SIM_CLOCK_OFFSET_SECONDS: String(2 * 3600) };

const TEMPLATES = {
  templates: [
    { templateId: 'Kill-Steady', maxNumber: 12, attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] }, vmType: 'm5.large', simBootSeconds: 0, simTerminateSeconds: 0 },
    { templateId: 'Kill-Flaky', maxNumber: 8, attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '4'], nram: ['Numeric', '8192'] }, vmType: 'c5.xlarge', simBootSeconds: 0, simTerminateSeconds: 0, simFailureRate: 0.25 },
  ],
};

describe('process-death campaign: SIGKILL the provider scripts at random points of every operation', () => {
  let driver: SymphonyDriver;
  beforeAll(() => {
    driver = new SymphonyDriver(scripts, sampleTemplates);
    writeFileSync(join(driver.root, 'conf', 'simprov_templates.json'), JSON.stringify(TEMPLATES));
  });
  afterAll(() => driver.dispose());

  it('never loses track of a machine: the state after the kills settles, nothing is provisioned twice', async () => {
    const seed = campaignSeed(process.env);
    console.log(`kill campaign seed ${seed} (set KILL_SEED=${seed} to replay it)`);
    const random = seededRandom(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const view = new SymphonyView();
    const templatesFile = join(driver.root, 'conf', 'simprov_templates.json');
    let revision = 0;

    /** The input Symphony would send for `operation` now (and, for some template calls, a changed templates file to import). */
    const inputFor = (operation: KilledOperation): unknown => {
      const held = [...view.held.keys()];
      const acquired = [...view.acquired.keys()];
      switch (operation) {
        case 'getAvailableTemplates':
          if (random() < 0.4) {
            const document = JSON.parse(readFileSync(templatesFile, 'utf8')) as { templates: Record<string, unknown>[] };
            document.templates[0]!.killRevision = ++revision;
            writeFileSync(templatesFile, JSON.stringify(document));
          }
          return {};
        case 'requestMachines':
          return { template: { templateId: pick(TEMPLATES.templates).templateId, machineCount: 1 + Math.floor(random() * 3) } };
        case 'getRequestStatus':
          return { requests: (acquired.length > 0 ? acquired.slice(-4) : ['req-00000000-0000-4000-8000-000000000000']).map((requestId) => ({ requestId })) };
        case 'requestReturnMachines':
          return { machines: (held.length > 0 ? held.slice(0, 1 + Math.floor(random() * 2)) : ['nobody.sim.internal']).map((name) => ({ name })) };
        case 'getReturnRequests':
          return { machines: held.map((name) => ({ name })) };
      }
    };

    const call = async (operation: KilledOperation, input: unknown, env: Record<string, string> = {}): Promise<RunOutcome> => {
      const outcome = await runScript(driver, operation, input, Infinity, env);
      view.learn(operation, input, outcome);
      return outcome;
    };

    // Warm-up: one clean run of each operation gives the state to work on and each operation's usual duration.
    const usualMs = new Map<KilledOperation, number>();
    for (const operation of KILLED_OPERATIONS) {
      const input = operation === 'requestMachines' ? { template: { templateId: 'Kill-Steady', machineCount: 2 } } : inputFor(operation);
      const outcome = await call(operation, input);
      expect(outcome.exitCode, `warm-up ${operation}`).not.toBeNull();
      usualMs.set(operation, outcome.elapsedMs);
    }

    const kills = new Map<KilledOperation, number>(KILLED_OPERATIONS.map((op) => [op, 0]));
    const finishedFirst = new Map<KilledOperation, number>(KILLED_OPERATIONS.map((op) => [op, 0]));
    let rounds = 0;
    while ([...kills.values()].some((n) => n < KILLS_PER_OPERATION) && rounds < MAX_ROUNDS) {
      const operation = KILLED_OPERATIONS[rounds % KILLED_OPERATIONS.length]!;
      rounds += 1;
      if (kills.get(operation)! >= KILLS_PER_OPERATION) continue;
      const input = inputFor(operation);
      // Anywhere from before node starts to the usual end of the call.
      const delay = Math.floor(random() * usualMs.get(operation)!);
      const outcome = await runScript(driver, operation, input, delay);
      view.learn(operation, input, outcome);
      if (outcome.killed) kills.set(operation, kills.get(operation)! + 1);
      else finishedFirst.set(operation, finishedFirst.get(operation)! + 1);
      // A killed process never leaves half-applied state.
      if (outcome.killed) await expectConsistent(driver.database);
      // Symphony keeps polling what it was told about, between the kills.
      if (rounds % 8 === 0 && view.acquired.size > 0) await call('getRequestStatus', { requests: [...view.acquired.keys()].map((requestId) => ({ requestId })) });
    }
    const totalKills = [...kills.values()].reduce((a, b) => a + b, 0);

    // The closing Symphony cycle, with the clock moved past every deadline: status of everything it
    // was told about, every held host returned, the returns followed to their end.
    const everything = () => ({ requests: [...view.acquired.keys(), ...view.returns].map((requestId) => ({ requestId })) });
    await call('getReturnRequests', { machines: [...view.held.keys()].map((name) => ({ name })) }, LATER);
    await call('getRequestStatus', everything(), LATER);
    if (view.held.size > 0) await call('requestReturnMachines', { machines: [...view.held.keys()].map((name) => ({ name })) }, LATER);
    await call('getRequestStatus', everything(), LATER);
    await call('getReturnRequests', { machines: [...view.held.keys()].map((name) => ({ name })) }, LATER);

    await expectConsistent(driver.database);
    const cloud = cloudMachines(driver.database);
    const state = await storageState(driver.database);
    const alive = cloud.filter((m) => m.alive);
    const unknownToStorage = alive.filter((m) => !state.liveMachines.has(m.machineId));
    const unknownToSymphony = alive.filter((m) => !view.acquired.has(m.requestId));
    const twice = provisionedTwice(view, cloud);
    const figures = {
      seed,
      kills: Object.fromEntries(kills),
      totalKills,
      finishedBeforeTheKill: Object.fromEntries(finishedFirst),
      rounds,
      acknowledgedRequests: view.acquired.size,
      returnRequests: view.returns.size,
      machinesLaunched: cloud.length,
      aliveAtEnd: alive.length,
      aliveUnknownToStorage: unknownToStorage.length,
      aliveUnknownToSymphony: unknownToSymphony.length,
      openRequestsAtEnd: state.openRequests.length,
      capacity: state.capacity,
      provisionedTwice: twice.length,
    };
    console.log(`kill campaign figures ${JSON.stringify(figures)}`);

    expect(totalKills).toBeGreaterThanOrEqual(100);
    for (const operation of KILLED_OPERATIONS) expect(kills.get(operation), operation).toBeGreaterThanOrEqual(KILLS_PER_OPERATION);
    expect(twice).toEqual([]);
  }, 180_000);
});
