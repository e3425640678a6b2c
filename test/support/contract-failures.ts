import type { Storage } from '../../src/storage/storage';
import { storageContract } from '../../src/testing';

/** Runs every storage-contract case on storages from `create`; the failed cases' names and messages. */
export async function contractFailures(create: () => Storage): Promise<Map<string, string>> {
  const failed = new Map<string, string>();
  for (const contractCase of storageContract({ name: 'under test', create })) {
    try {
      await contractCase.run();
    } catch (error) {
      failed.set(contractCase.name, error instanceof Error ? error.message : String(error));
    }
  }
  return failed;
}
