import { describe, expect, it } from 'vitest';
import type { Storage } from '../../src/storage/storage';
import { Template } from '../../src/domain/template/template';
import type { Transaction } from '../../src/storage/unit-of-work';
import { createInMemoryStorage, storageContract } from '../../src/testing';
import { runStorageContract } from '../../src/testing/storage-contract.vitest';
import { contractFailures as failures } from '../support/contract-failures';

runStorageContract({ name: 'in-memory storage', create: createInMemoryStorage });

/**
 * A deliberately broken adapter: every repository save re-reads the stored version and passes
 * that instead of the caller's `expectedVersion`, so stale writes silently win.
 */
function ignoringExpectedVersion(): Storage {
  const inner = createInMemoryStorage();
  const wrap = (tx: Transaction): Transaction => ({
    ...tx,
    templates: {
      ...tx.templates,
      save: async (template) => tx.templates.save(template, (await tx.templates.get(template.templateId))?.version ?? 0),
      delete: async (id) => tx.templates.delete(id, (await tx.templates.get(id))?.version ?? 0),
    },
    requests: {
      ...tx.requests,
      save: async (request) => tx.requests.save(request, (await tx.requests.get(request.requestId))?.version ?? 0),
    },
    machines: {
      ...tx.machines,
      save: async (machine) => tx.machines.save(machine, (await tx.machines.get(machine.machineId))?.version ?? 0),
    },
  });
  return { ...inner, unitOfWork: { transaction: (work) => inner.unitOfWork.transaction((tx) => work(wrap(tx))) } };
}

describe('storageContract', () => {
  it('lists each rule once, as a separately named case', () => {
    const cases = storageContract({ name: 'x', create: createInMemoryStorage });
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it('creates a fresh storage for each case and destroys it afterwards, even when the case fails', async () => {
    const created: Storage[] = [];
    const destroyed: Storage[] = [];
    const cases = storageContract({
      name: 'counting',
      create: () => {
        const storage = createInMemoryStorage();
        created.push(storage);
        return storage;
      },
      destroy: (storage) => void destroyed.push(storage),
    });
    for (const c of cases) await c.run();
    expect(created).toHaveLength(cases.length);
    expect(new Set(created).size).toBe(cases.length);
    expect(destroyed).toEqual(created);

    const broken = storageContract({ name: 'broken', create: ignoringExpectedVersion, destroy: (s) => void destroyed.push(s) });
    const conflictCase = broken.find((c) => c.name.startsWith('conflicts: a stale expectedVersion'));
    await expect(conflictCase?.run()).rejects.toThrow();
    expect(destroyed).toHaveLength(cases.length + 1);
  });

  it('fails an adapter that ignores expectedVersion, saying what it expected', async () => {
    const failed = await failures(ignoringExpectedVersion);
    expect([...failed.keys()].sort()).toEqual(
      [
        'conflicts: a conflict that work catches still fails the transaction and writes nothing',
        'conflicts: a stale expectedVersion fails and the transaction writes nothing',
        'conflicts: inserting an id that already exists fails with CONCURRENCY_CONFLICT',
        'conflicts: updating an aggregate that was never stored fails with CONCURRENCY_CONFLICT',
        'templates: delete at a stale version fails with CONCURRENCY_CONFLICT and keeps the template',
      ].sort(),
    );
    for (const message of failed.values()) {
      expect(message).toMatch(/expected (it to fail with|an error with code) CONCURRENCY_CONFLICT/);
    }
    expect(failed.get('conflicts: a stale expectedVersion fails and the transaction writes nothing')).toMatch(
      /^saving template "t-a" at expectedVersion 1 after it moved to version 2: expected .*CONCURRENCY_CONFLICT/,
    );
  });

  it('passes the in-memory storage in full', async () => {
    expect(await failures(createInMemoryStorage)).toEqual(new Map());
  });
});

describe('createInMemoryStorage', () => {
  const ctx = { now: new Date('2026-01-01T00:00:00Z'), ids: { uuid: () => '00000000-0000-4000-8000-000000000001' } };

  it('counts and lists only committed state', async () => {
    const storage = createInMemoryStorage();
    const newTemplate = (): Template =>
      Template.create({ templateId: 't-a', maxNumber: 1, vmType: 'm5.large', attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '1'], nram: ['Numeric', '1024'] } }, ctx);
    const template = newTemplate();
    await expect(
      storage.unitOfWork.transaction(async (tx) => {
        await tx.templates.save(template, 0);
        tx.outbox.append(template.pullEvents());
        expect(storage.snapshotCounts()).toEqual({ templates: 0, requests: 0, machines: 0, events: 0 });
        throw new Error('abandon');
      }),
    ).rejects.toThrow('abandon');
    expect(storage.snapshotCounts()).toEqual({ templates: 0, requests: 0, machines: 0, events: 0 });
    const again = newTemplate();
    await storage.unitOfWork.transaction(async (tx) => {
      await tx.templates.save(again, 0);
      tx.outbox.append(again.pullEvents());
    });
    expect(storage.snapshotCounts()).toEqual({ templates: 1, requests: 0, machines: 0, events: 1 });
    expect(storage.committedEvents().map((e) => [e.position, e.event.type])).toEqual([[1, 'TemplateCreated']]);
  });

  it('refuses a transaction handle used after its transaction ended', async () => {
    const storage = createInMemoryStorage();
    let leaked: Transaction | undefined;
    await storage.unitOfWork.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked?.templates.get('t-a')).rejects.toThrow(/transaction has ended/);
    expect(() => leaked?.outbox.append([])).toThrow(/transaction has ended/);
  });

  it('refuses a second lock key in one transaction, naming both keys', async () => {
    const storage = createInMemoryStorage();
    await expect(
      storage.unitOfWork.transaction(async (tx) => {
        await tx.lock('a');
        await tx.lock('a');
        await tx.lock('b');
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/holds "a" and cannot also take "b"/) });
    await storage.unitOfWork.transaction((tx) => tx.lock('a'));
  });

  it('rejects readAfter with a negative position or a limit below 1', async () => {
    const { eventLog } = createInMemoryStorage();
    await expect(eventLog.readAfter(-1, 10)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(eventLog.readAfter(0, 0)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/limit/) });
  });

  it('counts documents per read-model collection', async () => {
    const storage = createInMemoryStorage();
    await storage.readModels.put('requests', { id: 'r1' });
    await storage.readModels.put('requests', { id: 'r1', status: 'pending' });
    expect([storage.documentCount('requests'), storage.documentCount('machines')]).toEqual([1, 0]);
  });
});
