import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { kitSuite } from '../shared/kit-suite.ts';

// node:test's mock timers in every test: the kit's own waits run on Node's real timers regardless.
beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'setImmediate'] }));
afterEach(() => mock.timers.reset());

kitSuite({ describe, it, afterEach });
