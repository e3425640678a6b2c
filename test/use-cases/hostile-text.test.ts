import { describe } from 'vitest';
import { createInMemoryStorage } from '../../src/testing/index';
import { hostileTextCases } from '../support/hostile-text';

describe('text from the cloud and from hosts, on the in-memory storage', () => {
  hostileTextCases(async () => createInMemoryStorage());
});
