// The thread of the persistent pool (persistent-pool.ts): vitest's own thread entry, except that the
// end of a run does not detach the message handler, so the next run's "start" finds the thread ready.
import { parentPort } from 'node:worker_threads';
import { init, runBaseTests, setupEnvironment } from 'vitest/worker';

init({
  post: (response) => parentPort.postMessage(response),
  on: (callback) => parentPort.on('message', callback),
  off: (callback) => parentPort.off('message', callback),
  teardown: () => {},
  runTests: (state, traces) => runBaseTests('run', state, traces),
  collectTests: (state, traces) => runBaseTests('collect', state, traces),
  setup: setupEnvironment,
});
