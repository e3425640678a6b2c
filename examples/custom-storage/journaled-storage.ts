// A host's own storage adapter: it wraps another Storage and appends every committed event to a
// JSON-lines journal file (an audit trail a host can ship elsewhere). Hosts import from the package
// ('hostfactory-kernel', 'hostfactory-kernel/testing'); this example imports the sources so it runs unbuilt.
import { appendFileSync, readFileSync } from 'node:fs';
import type { DomainEvent } from 'hostfactory-kernel';
import type { Storage } from 'hostfactory-kernel';
import type { Transaction } from 'hostfactory-kernel/storage';

/** A Storage that journals committed events to `file`, one JSON object per line. */
export interface JournaledStorage extends Storage {
  /** The events journaled so far, in commit order. */
  journal(): DomainEvent[];
}

/**
 * Delegates everything to `inner` and, only after a transaction commits, appends its events to
 * `file`. A rolled-back or conflicting transaction journals nothing.
 */
export function withEventJournal(inner: Storage, file: string): JournaledStorage {
  return {
    eventLog: inner.eventLog,
    readModels: inner.readModels,
    unitOfWork: {
      async transaction(work) {
        let appended: DomainEvent[] = [];
        const result = await inner.unitOfWork.transaction(async (tx) => {
          appended = [];
          const journaled: Transaction = {
            templates: tx.templates,
            requests: tx.requests,
            machines: tx.machines,
            lock: (key) => tx.lock(key),
            outbox: {
              append(events) {
                tx.outbox.append(events);
                appended.push(...structuredClone(events));
              },
            },
          };
          return work(journaled);
        });
        // Reached only when the inner transaction committed.
        if (appended.length > 0) appendFileSync(file, appended.map((e) => `${JSON.stringify(e)}\n`).join(''));
        return result;
      },
    },
    journal() {
      let text = '';
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        return [];
      }
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as DomainEvent);
    },
  };
}
