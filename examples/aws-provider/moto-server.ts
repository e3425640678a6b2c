import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, DescribeImagesCommand, type EC2Client } from '@aws-sdk/client-ec2';

/** A running `moto_server` (a local EC2 API) started by {@link startMotoServer}. */
export interface MotoServer {
  readonly endpoint: string;
  readonly port: number;
  /** Stops the server and waits for it to exit. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `moto_server -H 127.0.0.1 -p <free port>` and resolves once it answers HTTP; rejects with
 * the reason (not installed, exited, no answer within `timeoutMs`) after making sure it is gone.
 */
export async function startMotoServer(timeoutMs = 30_000): Promise<MotoServer> {
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-2000); });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let failure: Error | undefined;
  child.once('error', (error) => { failure = error; });
  const kill = (): void => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM'); };
  process.once('exit', kill);
  const stop = async (): Promise<void> => {
    kill();
    await exited;
    process.removeListener('exit', kill);
  };
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (failure !== undefined || child.exitCode !== null) break;
    try {
      const answer = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      if (answer.ok) return { endpoint, port, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`moto_server did not start on port ${port}: ${failure?.message ?? (child.exitCode !== null ? `exited with ${child.exitCode}` : `no answer in ${timeoutMs} ms`)}${stderr ? `\n${stderr}` : ''}`);
}

/** The network and image a test or demo launches into. */
export interface MotoNetwork {
  readonly vpcId: string;
  readonly subnetIds: string[];
  readonly securityGroupId: string;
  readonly imageId: string;
}

/** Creates a VPC with two /20 subnets and a security group, and picks an Amazon Linux 2 AMI moto ships. */
export async function prepareNetwork(client: EC2Client): Promise<MotoNetwork> {
  const vpc = await client.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
  const vpcId = vpc.Vpc!.VpcId!;
  const subnetIds: string[] = [];
  for (const cidr of ['10.0.0.0/20', '10.0.16.0/20']) {
    subnetIds.push((await client.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr }))).Subnet!.SubnetId!);
  }
  const group = await client.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'hostfactory-compute', Description: 'Symphony compute hosts' }));
  const images = await client.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['amzn2-ami-hvm-*-x86_64-gp2'] }] }));
  const imageId = images.Images?.[0]?.ImageId;
  if (imageId === undefined) throw new Error('moto offers no Amazon Linux 2 image (DescribeImages owner amazon, amzn2-ami-hvm-*-x86_64-gp2)');
  return { vpcId, subnetIds, securityGroupId: group.GroupId!, imageId };
}
