// Runs the library's storage contract against the example adapter, then checks its own promise.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CreateTemplate, UpdateTemplate } from 'hostfactory-kernel';
import { createInMemoryStorage, createTestHostFactory } from 'hostfactory-kernel/testing';
import { runStorageContract } from 'hostfactory-kernel/testing/vitest';
import { withEventJournal, type JournaledStorage } from './journaled-storage';

const dir = mkdtempSync(join(tmpdir(), 'custom-storage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const fresh = (): JournaledStorage => withEventJournal(createInMemoryStorage(), join(dir, `journal-${++files}.jsonl`));

// The journal wraps the unit of work only; a processor store would commit through the inner one and
// bypass the journal, so this adapter declares that it has none.
runStorageContract({ name: 'journaled in-memory storage', create: fresh, processors: false });

describe('journaled storage', () => {
  it('journals exactly the committed events, in order', async () => {
    const storage = fresh();
    const hf = createTestHostFactory({ storage });
    const template = { templateId: 'small', maxNumber: 2, attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '1'], nram: ['Numeric', '1024'] }, vmType: 't3.micro' };
    await hf.commands.execute(CreateTemplate.from({ template }));
    await expect(hf.commands.execute(UpdateTemplate.from({ templateId: 'small', changes: { maxNumber: 3 }, expectedVersion: 7 }))).rejects.toMatchObject({
      code: 'CONCURRENCY_CONFLICT',
    });
    await hf.commands.execute(UpdateTemplate.from({ templateId: 'small', changes: { maxNumber: 3 } }));
    await hf.settle();
    const committed = (await storage.eventLog.readAfter(0, 100)).map((s) => s.event);
    expect(storage.journal()).toEqual(committed);
    expect(storage.journal().map((e) => e.type)).toEqual(['TemplateCreated', 'TemplateUpdated']);
    hf.dispose();
  });
});
