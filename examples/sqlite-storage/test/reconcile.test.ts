import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CreateTemplate, createHostFactory, Reconcile, RequestMachines, type HostFactory, type ProviderPort } from 'hostfactory-kernel';
import { FakeProvider, ManualClock, sequentialIds } from 'hostfactory-kernel/testing';
import { templateInput } from '../../../test/support/templates';
import { dyingAfterProvision, until } from '../../../test/use-cases/reconcile-support';
import { createSqliteStorage, type SqliteStorage } from '../sqlite-storage';

const opened: { storages: SqliteStorage[]; factories: HostFactory[]; dirs: string[] } = { storages: [], factories: [], dirs: [] };
afterEach(() => {
  for (const factory of opened.factories.splice(0)) factory.dispose();
  for (const storage of opened.storages.splice(0)) storage.close();
  for (const dir of opened.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

let processes = 0;
/** A host factory on its own connection to `filename`, as another process would have. */
function processOn(filename: string, provider: ProviderPort, clock: ManualClock): HostFactory {
  const storage = createSqliteStorage({ filename });
  opened.storages.push(storage);
  processes += 1;
  const factory = createHostFactory({ storage, provider, clock, ids: sequentialIds(processes * 1_000_000), limits: { providerTimeoutMs: 86_400_000 } });
  opened.factories.push(factory);
  return factory;
}

describe('SQLite storage: Reconcile from two connections at once', () => {
  it('settles requests killed after provisioning once: each machine terminated once, no conflict escapes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-reconcile-'));
    opened.dirs.push(dir);
    const filename = join(dir, 'reconcile.sqlite');
    const clock = new ManualClock();
    const cloud = new FakeProvider({ clock });

    const doomed = processOn(filename, dyingAfterProvision(cloud), clock);
    await doomed.commands.execute(CreateTemplate.from({ template: templateInput() }));
    for (const machineCount of [2, 3, 1]) void doomed.commands.execute(RequestMachines.from({ templateId: 'small', machineCount })).catch(() => undefined);
    await until(() => cloud.machines().length === 6);

    const [a, b] = [processOn(filename, cloud, clock), processOn(filename, cloud, clock)];
    clock.advance({ minutes: 15 });
    const runs = await Promise.all([a.commands.execute(Reconcile.from({})), b.commands.execute(Reconcile.from({}))]);
    expect(runs[0]!.abandoned + runs[1]!.abandoned).toBe(3);
    expect(runs[0]!.machinesReturned + runs[1]!.machinesReturned).toBe(6);
    expect(runs.map((r) => r.errors)).toEqual([0, 0]);
    for (const machine of cloud.machines()) expect(cloud.terminateCount(machine.machineId)).toBe(1);

    await Promise.all([a.commands.execute(Reconcile.from({})), b.commands.execute(Reconcile.from({}))]);
    expect(cloud.machines().every((m) => m.status === 'terminated')).toBe(true);
    expect(await a.commands.execute(Reconcile.from({}))).toMatchObject({ examined: 0, remaining: 0 });
  });
});
