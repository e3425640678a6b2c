#!/usr/bin/env node
/**
 * `npx hostfactory-kernel <command>`: the operator's commands for recordings and templates
 * (docs/replay.md). Exit status 0 when all is well, 1 when a replay diverged or a file is invalid,
 * 2 when called wrongly.
 */
import 'reflect-metadata';
import { readInputFile } from '../hostfactory/run-operation';
import { parseJsonText } from '../hostfactory/json-text';
import { parseTemplatesFile } from '../hostfactory/input';
import { isKernelError } from '../kernel/errors';
import { replayRecording } from '../testing/replay/replay';
import { createTestHostFactory } from '../testing/test-host-factory';
import { formatReplayReport } from '../testing/replay/replay-report';
import { stringify } from 'yaml';
import type { RecordedCall } from '../hostfactory/recording/recording-format';
import { readReplaySource, toScenarioFile } from '../testing/replay/replay-source';
import { OpenCalls, RecordingSummary, timelineLine } from './recording-views';

const USAGE = `Usage: hostfactory-kernel <command> [options] <file>...
  replay <recording|scenario>...      re-run the calls against this build; exit 1 on a divergence
      --max <n>                         divergences shown (default 20)
      --sensitive-keys <a,b>            extra keys the recording redacted (as HF_PROVIDER_RECORD_SENSITIVE_KEYS)
      --seed-templates <file>           import this templates file first (templates imported before the recording began)
      --json                            print the report as JSON
  show <recording|scenario>...        one line per call: time, operation, exit status, provider calls
  summary <recording|scenario>...     requests and machines as the recorded answers left them
  scenario <recording>... --name <n>  print the recording as a YAML scenario file (edit its answers, replay it in a test)
  validate-templates <file>           check a Symphony or LSF templates file (<name>prov_templates.json)
Recordings of one provider, rotated: pass the oldest first (<file>.2 <file>.1 <file>).`;

const out = (text: string) => process.stdout.write(`${text}\n`);
const err = (text: string) => process.stderr.write(`${text}\n`);

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): { files: string[]; flags: Map<string, string> } {
  const files: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--json') flags.set('json', 'true');
    else if (arg === '--max' || arg === '--sensitive-keys' || arg === '--seed-templates' || arg === '--name') {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value.`);
      flags.set(arg.slice(2), value);
    } else if (arg.startsWith('-')) throw new UsageError(`Unknown option ${arg}.`);
    else files.push(arg);
  }
  if (files.length === 0) throw new UsageError('Name at least one file.');
  return { files, flags };
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    out(USAGE);
    return command === undefined ? 2 : 0;
  }
  const { files, flags } = parseArgs(rest);
  switch (command) {
    case 'replay': {
      const max = flags.has('max') ? Number(flags.get('max')) : 20;
      if (!Number.isInteger(max) || max < 1) throw new UsageError('--max must be a whole number of at least 1.');
      const keys = (flags.get('sensitive-keys') ?? '').split(',').filter((k) => k !== '');
      const seedFile = flags.get('seed-templates');
      const seedDocument = seedFile === undefined ? undefined : await readTemplatesDocument(seedFile);
      const report = await replayRecording(files, {
        maxDivergences: max,
        redaction: { sensitiveKeys: keys },
        ...(seedDocument === undefined ? {} : { seed: (hf) => hf.commands.execute(parseTemplatesFile(seedDocument, { deactivateMissing: true })) }),
      });
      out(flags.has('json') ? JSON.stringify(report, null, 2) : formatReplayReport(report));
      return report.matched ? 0 : 1;
    }
    case 'show': {
      const open = new OpenCalls();
      for await (const entry of readReplaySource(files)) if (!open.track(entry)) out(timelineLine(entry));
      for (const line of open.lines()) out(line);
      return 0;
    }
    case 'summary': {
      const summary = new RecordingSummary();
      for await (const entry of readReplaySource(files)) summary.add(entry);
      out(summary.text());
      return 0;
    }
    case 'scenario': {
      const calls: RecordedCall[] = [];
      for await (const entry of readReplaySource(files)) {
        if (entry.started !== undefined) continue;
        if (entry.call === undefined) err(`${entry.source}:${entry.line}: torn line left out`);
        else calls.push(entry.call);
      }
      const name = flags.get('name') ?? 'incident';
      const description = `Recorded by ${files.join(', ')}; replayed by replayTest() from hostfactory-kernel/testing/vitest.`;
      out(stringify(toScenarioFile(name, description, calls), { lineWidth: 0 }));
      return 0;
    }
    case 'validate-templates':
      return validateTemplates(files);
    default:
      throw new UsageError(`Unknown command "${command}".`);
  }
}

async function readTemplatesDocument(file: string): Promise<unknown> {
  return parseJsonText((await readInputFile(file)).replace(/^\uFEFF/, ''), (where) => new Error(`${file} is not valid JSON (syntax error at ${where})`));
}

async function validateTemplates(files: readonly string[]): Promise<number> {
  let status = 0;
  for (const file of files) {
    try {
      const document = await readTemplatesDocument(file);
      // The real import on a throw-away host factory: every rule the provider applies is checked.
      const hostFactory = createTestHostFactory();
      try {
        const { templates } = await hostFactory.commands.execute(parseTemplatesFile(document));
        const failed = templates.filter((t) => t.action === 'failed');
        if (failed.length === 0) out(`${file}: valid, ${templates.length} template(s): ${templates.map((t) => t.templateId).join(', ')}`);
        else {
          status = 1;
          err(`${file}: ${failed.length} of ${templates.length} template(s) invalid:`);
          for (const t of failed) err(`  ${t.templateId ?? '(no templateId)'}: ${t.code ?? ''} ${JSON.stringify(t.issues ?? t.message ?? '')}`);
        }
      } finally {
        hostFactory.dispose();
      }
    } catch (error) {
      status = 1;
      err(`${file}: ${error instanceof Error ? error.message : String(error)}`);
      const issues = (error as { issues?: unknown }).issues;
      if (Array.isArray(issues)) for (const issue of issues) err(`  ${JSON.stringify(issue)}`);
    }
  }
  return status;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      err(`${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    // A recording that cannot be read names its file and line; anything else is a bug worth its stack.
    err(isKernelError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = isKernelError(error) ? 1 : 70;
  },
);
