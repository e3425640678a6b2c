/**
 * The incidents this project knows, replayed against this build on every `npm test`: each YAML file
 * is a recorded incident (record-incidents.ts), and each line below is its regression test.
 */
import { join } from 'node:path';
import { replayTest } from 'hostfactory-kernel/testing/vitest';

const scenario = (name: string) => join(__dirname, `${name}.yaml`);

replayTest(scenario('killed-request-machines'));
replayTest(scenario('host-terminated-behind-symphony'));
replayTest(scenario('full-disk-on-commit'));
replayTest(scenario('weighted-capacity-parallel-requests'));
