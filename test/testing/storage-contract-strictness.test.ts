import { describe, expect, it } from 'vitest';
import { contractFailures } from '../support/contract-failures';
import { plantedBugs } from '../support/planted-bugs';

/** Each planted bug must fail exactly the case guarding its rule, with a message naming the rule. */
const EXPECTED: Record<keyof typeof plantedBugs, Record<string, RegExp>> = {
  swallowableConflict: {
    'conflicts: a conflict that work catches still fails the transaction and writes nothing': /caught the CONCURRENCY_CONFLICT.*must still fail.*expected it to fail with CONCURRENCY_CONFLICT, but it succeeded/,
  },
  duplicatingGetMany: {
    'repositories: getMany returns each id once, even when asked twice': /should return each template once/,
    'read models: getMany returns each document once, even when asked twice': /should return each document once/,
  },
  looseRanges: {
    'query: ranges compare numbers with numbers and strings with strings only': /range \{"gt":5\}.*should match only values of the bound's type/,
    'query: string ranges compare by code point, as UTF-8 bytes do': /a range gt U\+FFFF should match U\+1F600/,
  },
  insertionOrderTies: {
    'query: ties, and a query without sort, are ordered by ascending id, not by insertion': /without sort should return documents by ascending id, not in insertion order/,
    'query: one field of mixed types sorts null/missing, false, true, numbers, strings by code point, then objects and arrays': /ties by ascending id/,
    // Its second range has no sort: the two matches must come by ascending id.
    'query: string ranges compare by code point, as UTF-8 bytes do': /a range lt U\+1F600, gte "a" should match/,
  },
  requestTiesByInsertion: {
    'requests: finders order requests created at the same instant by id': /findByStatus should order requests with equal createdAt by id, not insertion order/,
  },
  unfencedPut: {
    'read models: a put never replaces a document that carries a higher _position': /_position 41 replaced a document at _position 42/,
    // The planted store has no putMany, so the batch goes through its unfenced put.
    'read models: putMany applies the position fence to each document': /putMany replaced a document with a higher _position/,
  },
};

describe('storageContract against adapters with a planted bug', () => {
  for (const [bug, expected] of Object.entries(EXPECTED) as [keyof typeof plantedBugs, Record<string, RegExp>][]) {
    it(`fails ${bug} on its rule only, saying what broke`, async () => {
      const failed = await contractFailures(plantedBugs[bug]);
      expect([...failed.keys()].sort()).toEqual(Object.keys(expected).sort());
      for (const [name, message] of Object.entries(expected)) expect(failed.get(name)).toMatch(message);
    });
  }
});
