// Preloaded into a provider script (NODE_OPTIONS=--require) by the tests: kills the process with
// SIGKILL right after EC2 answered the command named by HF_TEST_KILL_AFTER, before the library can
// record what was launched — a Symphony call dying at the worst moment.
const { EC2Client } = require('@aws-sdk/client-ec2');

const send = EC2Client.prototype.send;
EC2Client.prototype.send = async function sendThenDie(command, ...rest) {
  const output = await send.call(this, command, ...rest);
  if (command.constructor.name === process.env.HF_TEST_KILL_AFTER) process.kill(process.pid, 'SIGKILL');
  return output;
};
