/**
 * `npm run demo:aws`: the whole Symphony cycle on EC2 — moto_server started here, a VPC, subnet,
 * security group and AMI prepared in it, then the example provider's five scripts, one process per
 * call with HF_PROVIDER_NAME=aws, exactly as `npm run demo` drives the simulator. Prints each
 * document (unless --quiet) and the same summary, checks EC2 at the end, and stops moto. The
 * provider's state (SQLite, logs, inputs) is in a new temporary directory, removed at the end unless
 * `--keep`; EC2's is in moto's memory, gone when moto stops. Progress lines rewrite themselves on a
 * terminal; piped or redirected, each is a line of its own.
 */
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { join } from 'node:path';
import type { SymphonyDriver } from '../symphony-provider/driver';
import { createEc2Client } from './config';
import { prepareNetwork, startMotoServer } from './moto-server';
import { awsDriver, symphonyTemplates } from './symphony-on-moto';
import { REQUEST_TAG } from './tags';

interface WireRequest { requestId: string; status: string; machines: { name: string; result: string; status: string }[] }

const quiet = process.argv.includes('--quiet');
const keep = process.argv.includes('--keep');
let shown = '';

/** One progress line: rewritten in place on a terminal; otherwise printed as a line when it changes. */
function progress(line: string, done: boolean): void {
  if (process.stdout.isTTY) process.stdout.write(`\r  ${line}          ${done ? '\n' : ''}`);
  else if (line.replace(/poll \d+, /, '') !== shown || done) process.stdout.write(`  ${line}\n`);
  shown = line.replace(/poll \d+, /, '');
}
const started = Date.now();
let calls = 0;

function show(title: string, document: unknown, exitCode: number): void {
  if (quiet) return;
  console.log(`\n── ${title} (exit ${exitCode}) ${'─'.repeat(Math.max(0, 60 - title.length))}`);
  console.log(JSON.stringify(document, null, 2));
}

async function call(driver: SymphonyDriver, title: string, operation: string, input: unknown): Promise<Record<string, unknown>> {
  calls += 1;
  const result = await driver.run(operation, input);
  show(title, result.document, result.exitCode);
  if (result.exitCode !== 0) throw new Error(`${operation} failed (exit ${result.exitCode}): ${result.stdout}${result.stderr}`);
  return result.document;
}

async function poll(driver: SymphonyDriver, requestId: string, label: string): Promise<WireRequest> {
  for (let attempt = 1; attempt <= 60; attempt += 1) {
    calls += 1;
    const result = await driver.run('getRequestStatus', { requests: [{ requestId }] });
    const entry = (result.document.requests as WireRequest[])[0]!;
    const counts = new Map<string, number>();
    for (const m of entry.machines) counts.set(m.result, (counts.get(m.result) ?? 0) + 1);
    const summary = [...counts].map(([k, v]) => `${v} ${k}`).join(', ') || 'no machines yet';
    const done = entry.status !== 'running';
    progress(`${label}: poll ${attempt}, status ${entry.status} (${summary})`, done);
    if (done) {
      show(`getRequestStatus ${requestId}`, result.document, result.exitCode);
      return entry;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${requestId} did not finish in 60 polls`);
}

async function main(): Promise<void> {
  process.env.AWS_ACCESS_KEY_ID ??= 'testing';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
  const server = await startMotoServer();
  const client = createEc2Client({ region: 'us-east-1', endpoint: server.endpoint });
  let driver: SymphonyDriver | undefined;
  try {
    const network = await prepareNetwork(client);
    console.log(`hostfactory-kernel AWS demo: moto_server at ${server.endpoint}, ${network.vpcId}, subnets ${network.subnetIds.join(' ')}, ${network.securityGroupId}, ${network.imageId}`);
    const { ids, file } = symphonyTemplates(network);
    driver = awsDriver(join(process.cwd(), 'examples', 'symphony-provider', 'scripts'), server.endpoint, file);
    console.log(`state in ${driver.root} (SQLite in work/, logs in logs/); ${keep ? 'kept at the end (--keep)' : 'removed at the end (--keep keeps it)'}; EC2's in moto's memory`);
    const templates = await call(driver, 'getAvailableTemplates', 'getAvailableTemplates', {});
    const templateId = ids.RunInstances!;
    const requested = await call(driver, `requestMachines: 3 × ${templateId}`, 'requestMachines', { template: { templateId, machineCount: 3 } });
    const requestId = requested.requestId as string;
    const acquired = await poll(driver, requestId, 'waiting for the instances');
    const hosts = acquired.machines.filter((m) => m.result === 'succeed').map((m) => m.name);
    const returned = await call(driver, 'requestReturnMachines (by host name only)', 'requestReturnMachines', { machines: hosts.map((name) => ({ name })) });
    const returnId = returned.requestId as string;
    const released = await poll(driver, returnId, 'waiting for the terminations');
    const wanted = await call(driver, 'getReturnRequests', 'getReturnRequests', { machines: [] });
    const left = await client.send(new DescribeInstancesCommand({ Filters: [{ Name: `tag:${REQUEST_TAG}`, Values: [requestId] }, { Name: 'instance-state-name', Values: ['pending', 'running'] }] }));
    const running = (left.Reservations ?? []).flatMap((r) => r.Instances ?? []).length;

    console.log('\n── summary ──────────────────────────────────────────────────────────');
    console.log(`templates offered     ${(templates.templates as { templateId: string; availableNumber: number }[]).map((t) => `${t.templateId} (${t.availableNumber} available)`).join(', ')}`);
    console.log(`acquire request       ${requestId}: ${acquired.status}, ${hosts.length} machines running`);
    console.log(`hosts                 ${hosts.join(', ')}`);
    console.log(`return request        ${returnId}: ${released.status}, ${released.machines.filter((m) => m.status === 'terminated' && m.result === 'succeed').length} terminated`);
    console.log(`machines to give back ${(wanted.requests as unknown[]).length}`);
    console.log(`EC2 still running     ${running} instance(s) tagged ${REQUEST_TAG}=${requestId}`);
    console.log(`provider calls        ${calls} processes in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (released.status !== 'complete' || hosts.length !== 3 || running !== 0) process.exitCode = 1;
  } finally {
    if (keep && driver !== undefined) console.log(`kept ${driver.root}`);
    else driver?.dispose();
    client.destroy();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
