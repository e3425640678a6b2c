import { describe, expect, it } from 'vitest';
import * as bindings from '../../src/testing/vitest';

describe('hostfactory-kernel/testing/vitest', () => {
  it('exports both contract runners and replayTest, nothing else', () => {
    expect(Object.keys(bindings).sort()).toEqual(['replayTest', 'runProviderContract', 'runStorageContract']);
    expect(typeof bindings.replayTest).toBe('function');
    expect(typeof bindings.runStorageContract).toBe('function');
    expect(typeof bindings.runProviderContract).toBe('function');
  });
});
