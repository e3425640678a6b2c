import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CreateTemplate, ListTemplates, createHostFactory, isKernelError, type HostFactory } from 'hostfactory-kernel';
import { formatErrorOutput } from 'hostfactory-kernel/hostfactory';
import { FakeProvider, ManualClock } from 'hostfactory-kernel/testing';
import { templateInput } from '../../test/support/templates';
import { SqliteDatabase } from './database';
import { SqliteEventLog } from './event-log';
import { SqliteReadModelStore } from './read-model-store';
import { SqliteUnitOfWork } from './unit-of-work';

/**
 * Regression (issue 25, item 6): a full disk or a read-only database made every write fail with
 * "unexpected SqliteError" instead of the documented STORAGE_UNAVAILABLE. The storage is assembled
 * from its parts here so the test can set a pragma on the writer connection: `max_page_count`
 * (SQLite answers SQLITE_FULL as on a full disk) and `query_only` (SQLITE_READONLY as on a file that
 * cannot be written, which permission bits do not give when the tests run as root).
 */
describe('SQLite storage: a full disk or a read-only database', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).reverse().forEach((cleanup) => cleanup()));

  async function site(): Promise<{ database: SqliteDatabase; hostFactory: HostFactory; readModels: SqliteReadModelStore; writerPragma: (pragma: string) => Promise<void> }> {
    const dir = mkdtempSync(join(tmpdir(), 'hf-sqlite-full-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const database = SqliteDatabase.open({ filename: join(dir, 'hostfactory.db') });
    cleanups.push(() => database.close());
    const readModels = new SqliteReadModelStore(database);
    const storage = { unitOfWork: new SqliteUnitOfWork(database), eventLog: new SqliteEventLog(database), readModels };
    const clock = new ManualClock();
    const hostFactory = createHostFactory({ storage, provider: new FakeProvider({ clock }), clock });
    cleanups.push(() => hostFactory.dispose());
    await hostFactory.commands.execute(CreateTemplate.from({ template: templateInput({ templateId: 'small' }) }));
    const writerPragma = async (pragma: string) => {
      const lease = await database.lease();
      lease.db.pragma(pragma);
      lease.rollback();
    };
    return { database, hostFactory, readModels, writerPragma };
  }

  async function failure(promise: Promise<unknown>): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
    try {
      await promise;
    } catch (error) {
      return error as Error & { code?: string };
    }
    throw new Error('expected a failure');
  }

  it('answers STORAGE_UNAVAILABLE (SQLITE_FULL) when the file cannot grow, records nothing of the failed call, and works again once it can', async () => {
    const { database, hostFactory, writerPragma } = await site();
    const pages = Number(database.reader.pragma('page_count', { simple: true }));
    await writerPragma(`max_page_count = ${pages}`);
    let error: Error & { code?: string; details?: Record<string, unknown> } | undefined;
    let created = 0;
    // Templates until the file would have to grow past its last page.
    for (let i = 0; i < 200 && error === undefined; i++) {
      error = await hostFactory.commands.execute(CreateTemplate.from({ template: templateInput({ templateId: `t-${i}`, userData: 'x'.repeat(2000) }) })).then(
        () => void (created += 1),
        (e: Error & { code?: string }) => e,
      );
    }
    expect(error).toBeDefined();
    expect(isKernelError(error)).toBe(true);
    expect(error!.code).toBe('STORAGE_UNAVAILABLE');
    expect(error!.details).toMatchObject({ sqliteCode: 'SQLITE_FULL', doing: 'write' });
    expect(formatErrorOutput(error).message).toMatch(/^The SQLite database hostfactory\.db could not be written \(SQLITE_FULL: the disk is full.*Nothing of this call was recorded/);
    // The failed template is nowhere: not in the read models, not in the event log.
    const listed = await hostFactory.queries.execute(ListTemplates.from({ activeOnly: false }));
    expect(listed.map((t) => t.templateId)).toHaveLength(created + 1);
    const events = await new SqliteEventLog(database).readAfter(0, 10_000);
    expect(events.filter((e) => e.event.type === 'TemplateCreated')).toHaveLength(created + 1);
    // Room again: the same call succeeds.
    await writerPragma('max_page_count = 1073741823');
    await hostFactory.commands.execute(CreateTemplate.from({ template: templateInput({ templateId: `t-${created}` }) }));
  });

  it('answers STORAGE_UNAVAILABLE (SQLITE_READONLY) for commands and read-model writes on a database that cannot be written', async () => {
    const { hostFactory, readModels, writerPragma } = await site();
    await writerPragma('query_only = 1');
    const command = await failure(hostFactory.commands.execute(CreateTemplate.from({ template: templateInput({ templateId: 'other' }) })));
    expect(command.code).toBe('STORAGE_UNAVAILABLE');
    expect(command.details).toMatchObject({ sqliteCode: 'SQLITE_READONLY' });
    expect(formatErrorOutput(command).message).not.toMatch(/unexpected/);
    const put = await failure(readModels.put('provider_meta', { id: 'templates-file', hash: 'x' }));
    expect(put.code).toBe('STORAGE_UNAVAILABLE');
  });
});
