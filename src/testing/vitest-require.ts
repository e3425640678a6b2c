// The CommonJS build of `hostfactory-kernel/testing/vitest` (the `require` condition): vitest
// refuses `require`, so this only says what to use instead. tsup builds it in place of vitest.ts.
import { OUTSIDE_VITEST } from './vitest-guard';

throw new Error(OUTSIDE_VITEST);
