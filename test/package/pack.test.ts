import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cjsConsumer, esmConsumer, expectedReport } from './consumer';
import { ensureBuilt, ROOT, run, runNodeJson, runNodeReport } from './helpers';
import { expectedKernelReport, KERNEL_PROGRAM } from './kernel-program';
import { expectedRequireEsmReport, REQUIRE_ESM_FILES } from './require-esm-consumer';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** The peers a user installs next to the package, at the ranges package.json declares. */
const PEERS = ['typedi@^0.10.0', 'reflect-metadata@^0.2.2', 'class-validator@^0.15.1', 'class-transformer@^0.5.1'];

// A scratch project outside the repository, so nothing resolves from our own node_modules.
const SCRATCH = mkdtempSync(join(tmpdir(), 'hostfactory-kernel-pack-'));
const PROJECT = join(SCRATCH, 'consumer');

/** A TypeScript consumer with real (legacy) decorators, as the README tells users to write it. */
const TS_COMMON = `
import 'reflect-metadata';
import { IsInt, IsString, Min, MinLength } from 'class-validator';
import { Container, Service, Token } from 'typedi';
import { Command, commandHandler, createKernel, Inject, isKernelError, KernelVerificationError, type CommandHandler } from 'hostfactory-kernel';

const GREETING = new Token<string>('greeting');

export class Greet extends Command<string> {
  @IsString() @MinLength(1) name = 'Ada';
  @IsInt() @Min(1) times = 1;
}

@commandHandler(Greet)
export class GreetHandler implements CommandHandler<Greet> {
  constructor(@Inject(GREETING) private readonly greeting: string) {}
  handle(command: Greet): string {
    return \`\${this.greeting}, \${command.name}\`;
  }
}

/** Resolved from the constructor's parameter type, which tsc emits as design:paramtypes. */
@Service()
export class Ledger {
  readonly lines: string[] = [];
}

export class Note extends Command<number> {}

@commandHandler(Note)
export class NoteHandler implements CommandHandler<Note> {
  constructor(private readonly ledger: Ledger) {}
  handle(): number {
    return this.ledger.lines.push('note');
  }
}

export class Count extends Command<number> {}

// @ts-expect-error a handler whose result is not the command's result type does not compile
@commandHandler(Count)
export class WrongHandler {
  handle(): string {
    return 'not a number';
  }
}

export async function main(): Promise<void> {
  const kernel = createKernel({ handlers: [GreetHandler, NoteHandler] });
  let unbound: string[] = [];
  try {
    kernel.verify();
  } catch (e) {
    if (e instanceof KernelVerificationError) unbound = e.problems.map((p) => \`\${p.handler}#\${p.parameter} \${p.token}\`);
  }
  kernel.container.set(GREETING, 'Hello');
  kernel.verify();
  const r: string = await kernel.commands.execute(new Greet());
  await kernel.commands.execute(new Note());
  const notes: number = await kernel.commands.execute(new Note());
  const global = Container.has(GreetHandler) || Container.has(NoteHandler);
  // @ts-expect-error the result is inferred as string, so it is not a number
  const wrong: number = await kernel.commands.execute(new Greet());
  void wrong;
  const bad = new Greet();
  bad.times = 0;
  const error = await kernel.commands.execute(bad).then(() => undefined, (e: unknown) => e);
  const code = isKernelError(error, 'VALIDATION_FAILED') ? error.code : 'no error';
  console.log(JSON.stringify({ r, code, message: error instanceof Error ? error.message : '', unbound, notes, global }));
}
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    skipLibCheck: false,
    types: [],
    lib: ['ES2022', 'DOM'],
    outDir: 'out',
  },
  files: ['main.mts', 'main.cts'],
};

/** The kernel program of issue 23 (kernel-program.ts), compiled on its own as ESM and CJS. */
const KERNEL_TSCONFIG = { ...TSCONFIG, compilerOptions: { ...TSCONFIG.compilerOptions, outDir: 'out-kernel' }, files: ['kernel.mts', 'kernel.cts'] };

async function installPackage(tarball: string): Promise<void> {
  const args = ['install', '--no-audit', '--no-fund', '--no-package-lock', tarball, ...PEERS];
  try {
    // Everything is in the npm cache after the repository's own `npm ci`; offline keeps this fast.
    await run(NPM, [...args, '--offline'], PROJECT, 120_000);
  } catch {
    await run(NPM, [...args, '--prefer-offline'], PROJECT, 120_000);
  }
}

beforeAll(async () => {
  await ensureBuilt();
  mkdirSync(PROJECT, { recursive: true });
  await run(NPM, ['pack', '--silent', '--pack-destination', SCRATCH], ROOT, 120_000);
  const tarball = readdirSync(SCRATCH).find((f) => f.endsWith('.tgz'));
  if (tarball === undefined) throw new Error(`npm pack wrote no tarball into ${SCRATCH}`);
  writeFileSync(join(PROJECT, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }, null, 2));
  await installPackage(join(SCRATCH, tarball));
}, 180_000);

afterAll(() => rmSync(SCRATCH, { recursive: true, force: true }));

/** Where the package was installed in the scratch project. */
const INSTALLED = join(PROJECT, 'node_modules', 'hostfactory-kernel');

/** The Markdown guides the package ships: README.md and every docs/*.md. */
function installedGuides(): string[] {
  return ['README.md', ...readdirSync(join(INSTALLED, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
}

describe('what the packed tarball carries for a host developer', () => {
  it('ships every guide of docs/, the changelog and the examples the guides name', () => {
    const repositoryGuides = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'));
    expect(readdirSync(join(INSTALLED, 'docs')).filter((f) => f.endsWith('.md')).sort()).toEqual(repositoryGuides.sort());
    expect(existsSync(join(INSTALLED, 'CHANGELOG.md'))).toBe(true);
    const missing: string[] = [];
    for (const guide of installedGuides()) {
      const text = readFileSync(join(INSTALLED, guide), 'utf8');
      for (const [, path] of text.matchAll(/`(examples\/[^`\s]*)`/g)) {
        if (!existsSync(join(INSTALLED, path as string))) missing.push(`${guide} names ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('resolves every relative link of README.md and docs/*.md inside node_modules/hostfactory-kernel', () => {
    const dead: string[] = [];
    let links = 0;
    for (const guide of installedGuides()) {
      const text = readFileSync(join(INSTALLED, guide), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target as string) || (target as string).startsWith('#')) continue;
        links += 1;
        const path = (target as string).split('#')[0] as string;
        if (!existsSync(join(INSTALLED, dirname(guide), decodeURIComponent(path)))) dead.push(`${guide} -> ${target}`);
      }
    }
    expect(links).toBeGreaterThan(10);
    expect(dead).toEqual([]);
  });

  it('ships an HTML API reference that opens offline', () => {
    const index = readFileSync(join(INSTALLED, 'docs', 'api', 'index.html'), 'utf8');
    expect(index).toContain('hostfactory-kernel');
    for (const page of ['classes/index.Command.html', 'functions/index.createHostFactory.html', 'interfaces/index.ProviderPort.html']) {
      expect(existsSync(join(INSTALLED, 'docs', 'api', page)), `docs/api/${page}`).toBe(true);
    }
    // Offline: pages load their scripts and styles from the package, not from a CDN.
    expect(index).not.toMatch(/<(script|link)[^>]+(src|href)="https?:/);
  });

  it('has the metadata a registry page needs', () => {
    const manifest = JSON.parse(readFileSync(join(INSTALLED, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      license: 'Apache-2.0',
      repository: { type: 'git', url: expect.stringMatching(/^git\+https:\/\/github\.com\/.+\.git$/) },
      homepage: expect.stringMatching(/^https:\/\//),
      bugs: { url: expect.stringMatching(/^https:\/\/.+\/issues$/) },
      author: expect.any(String),
      description: expect.any(String),
    });
    expect((manifest.keywords as string[]).length).toBeGreaterThanOrEqual(8);
  });
});

// Every supported line runs these (`.ci/run`, `npm run test:node -- 22`): what differs by line shows here.
describe(`the packed tarball installed in a fresh project, on Node ${process.version}`, () => {
  it('works for an ES module consumer, without a warning', async () => {
    writeFileSync(join(PROJECT, 'consumer.mjs'), esmConsumer('hostfactory-kernel'));
    const { report, stderr } = await runNodeReport(join(PROJECT, 'consumer.mjs'), PROJECT);
    expect(report).toEqual(expectedReport());
    expect(stderr).toBe('');
  });

  it('runs the hostfactory-kernel command from node_modules/.bin: validates a templates file and replays a shipped incident scenario', async () => {
    const bin = join(PROJECT, 'node_modules', '.bin', 'hostfactory-kernel');
    const sample = join(INSTALLED, 'examples', 'symphony-provider', 'sample', 'simprov_templates.json');
    expect((await run(bin, ['validate-templates', sample], PROJECT)).stdout).toMatch(/simprov_templates\.json: valid, 3 template\(s\)/);
    const scenario = join(INSTALLED, 'examples', 'replay-scenarios', 'weighted-capacity-parallel-requests.yaml');
    expect((await run(bin, ['replay', scenario], PROJECT)).stdout).toMatch(/^MATCHED: 6 call\(s\) answered as recorded\./);
    await expect(run(bin, ['replay', sample], PROJECT)).rejects.toThrow(/RECORDING_INVALID: The scenario file .*simprov_templates\.json must hold \{ scenario: <name>, calls: \[ … \] \}/);
  });

  it('works for a CommonJS consumer, without a warning', async () => {
    writeFileSync(join(PROJECT, 'consumer.cjs'), cjsConsumer('hostfactory-kernel'));
    const { report, stderr } = await runNodeReport(join(PROJECT, 'consumer.cjs'), PROJECT);
    expect(report).toEqual(expectedReport());
    expect(stderr).toBe('');
  });

  it('serves a CommonJS service that require()s its ES module handlers: both copies loaded, one causation scope', async () => {
    for (const [name, source] of Object.entries(REQUIRE_ESM_FILES)) writeFileSync(join(PROJECT, name), source);
    const { report, stderr } = await runNodeReport(join(PROJECT, 'service.cjs'), PROJECT);
    expect(report).toEqual(expectedRequireEsmReport());
    expect(stderr).toBe('');
  });

  it('type-checks and runs a TypeScript consumer with legacy decorators against both declaration files', async () => {
    writeFileSync(join(PROJECT, 'main.mts'), `${TS_COMMON}\nawait main();\n`);
    writeFileSync(join(PROJECT, 'main.cts'), `${TS_COMMON}\nvoid main();\n`);
    writeFileSync(join(PROJECT, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', PROJECT], PROJECT);
    const expected = {
      r: 'Hello, Ada',
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('times'),
      unbound: ['GreetHandler#0 Token(greeting)'],
      notes: 2,
      global: false,
    };
    expect(await runNodeJson(join(PROJECT, 'out', 'main.mjs'), PROJECT)).toEqual(expected);
    expect(await runNodeJson(join(PROJECT, 'out', 'main.cjs'), PROJECT)).toEqual(expected);
  });

  it('self-registers, isolates kernels, judges duplicates per kernel, scopes services to a dispatch and delivers events by strategy, as ESM and CJS', async () => {
    writeFileSync(join(PROJECT, 'kernel.mts'), `${KERNEL_PROGRAM}\nawait main();\n`);
    writeFileSync(join(PROJECT, 'kernel.cts'), `${KERNEL_PROGRAM}\nvoid main();\n`);
    writeFileSync(join(PROJECT, 'tsconfig.kernel.json'), JSON.stringify(KERNEL_TSCONFIG, null, 2));
    await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(PROJECT, 'tsconfig.kernel.json')], PROJECT);
    expect(await runNodeJson(join(PROJECT, 'out-kernel', 'kernel.mjs'), PROJECT)).toEqual(expectedKernelReport());
    expect(await runNodeJson(join(PROJECT, 'out-kernel', 'kernel.cjs'), PROJECT)).toEqual(expectedKernelReport());
  });
});
