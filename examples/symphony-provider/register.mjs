#!/usr/bin/env node
/**
 * Registers the example provider with IBM Spectrum Symphony's host factory or with IBM Spectrum LSF's
 * resource connector, writing (or updating) the product's registration files and checking them
 * (docs/installing.md). Plain JavaScript: it runs before anything is built.
 *
 *   node register.mjs symphony --conf "$HF_CONFDIR" [--name sim] [--requestor symAinst] [--check]
 *   node register.mjs lsf --conf "$LSF_TOP/conf" [--name sim] [--check]
 *
 * Symphony: conf/providerplugins/hostProviderPlugins.json, conf/providers/hostProviders.json,
 * conf/requestors/hostRequestors.json (the requestor named by --requestor is pointed at the provider),
 * and the templates file conf/providers/<name>/<name>prov_templates.json (the sample, when absent).
 * LSF: conf/resource_connector/hostProviders.json and conf/resource_connector/<name>/conf/<name>prov_templates.json.
 * Entries of other providers are kept. With --check nothing is written. When the provider is built, its
 * validateTemplates checks the templates file as the provider will import it (defaults, catalogue,
 * images: docs/templates.md) and the report carries the file and its template count. Prints one JSON report; exit 0
 * when every file is valid, 1 with { "message" } naming the file and the key otherwise, 2 when called wrongly.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SCRIPTS = ['getAvailableTemplates', 'requestMachines', 'getRequestStatus', 'requestReturnMachines', 'getReturnRequests'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

class Refusal extends Error {
  constructor(message, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

function parseArguments(argv) {
  const [product, ...rest] = argv;
  if (product !== 'symphony' && product !== 'lsf') throw new Refusal('Usage: register.mjs symphony|lsf --conf <dir> [--name <provider>] [--requestor <name>] [--check]', 2);
  const options = { product, name: 'sim', requestor: 'symAinst', check: false, scripts: join(here, 'scripts') };
  for (let i = 0; i < rest.length; i += 1) {
    const flag = rest[i];
    if (flag === '--check') options.check = true;
    else if (['--conf', '--name', '--requestor', '--scripts'].includes(flag) && rest[i + 1] !== undefined) options[flag.slice(2)] = rest[++i];
    else throw new Refusal(`Unexpected argument "${String(flag).slice(0, 40)}": see the usage at the top of register.mjs.`, 2);
  }
  if (options.conf === undefined || !isAbsolute(options.conf)) throw new Refusal('--conf must name the product\'s absolute configuration directory ($HF_CONFDIR, or $LSF_TOP/conf).', 2);
  if (!NAME.test(options.name)) throw new Refusal('--name must be 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit.', 2);
  return options;
}

/** The JSON document at `path` (undefined when absent); a broken one is refused by its name. */
function readJson(path, label) {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new Refusal(`${label} is not valid JSON: correct it (or move it away) and run again; nothing was written.`);
  }
}

/** `document[key]` as the list of entries to merge into, refusing anything else. */
function entries(document, key, label, versioned) {
  if (document === undefined) return [];
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new Refusal(`${label} must be a JSON object; nothing was written.`);
  if (versioned && document.version !== undefined && document.version !== 2) throw new Refusal(`${label}: version must be 2 (the format this provider registers with); nothing was written.`);
  const list = document[key] ?? [];
  if (!Array.isArray(list) || list.some((e) => typeof e !== 'object' || e === null || typeof e.name !== 'string')) {
    throw new Refusal(`${label}: ${key} must be a list of objects with a "name"; nothing was written.`);
  }
  return list;
}

/** `list` with `entry` in place of the entry of the same name (or appended). */
function upsert(list, entry) {
  const at = list.findIndex((e) => e.name === entry.name);
  return at < 0 ? [...list, entry] : list.map((e, i) => (i === at ? { ...e, ...entry } : e));
}

function checkScripts(dir) {
  for (const script of SCRIPTS) {
    try {
      accessSync(join(dir, `${script}.sh`), constants.X_OK);
    } catch {
      throw new Refusal(`The provider script ${script}.sh is missing from the scripts directory or not executable: install the provider's scripts/ directory and run again.`);
    }
  }
}

/** The files to write for `options`: [path, label, document]. */
function plan(options) {
  const { conf, name, product } = options;
  if (product === 'symphony') {
    const plugins = join(conf, 'providerplugins', 'hostProviderPlugins.json');
    const providers = join(conf, 'providers', 'hostProviders.json');
    const requestors = join(conf, 'requestors', 'hostRequestors.json');
    const requestorList = entries(readJson(requestors, 'hostRequestors.json'), 'requestors', 'hostRequestors.json', true);
    const requestor = requestorList.find((r) => r.name === options.requestor);
    const wired = requestor === undefined
      ? { name: options.requestor, enabled: 1, plugin: 'symA', confPath: `\${HF_CONFDIR}/requestors/${options.requestor}/`, workPath: `\${HF_WORKDIR}/requestors/${options.requestor}/`, logPath: '${HF_LOGDIR}/', providers: [name], requestMode: 'POLL' }
      : { ...requestor, providers: [...new Set([...(Array.isArray(requestor.providers) ? requestor.providers : []), name])] };
    return {
      files: [
        [plugins, 'hostProviderPlugins.json', { version: 2, providerplugins: upsert(entries(readJson(plugins, 'hostProviderPlugins.json'), 'providerplugins', 'hostProviderPlugins.json', true), { name, enabled: 1, scriptPath: `${options.scripts}/` }) }],
        [providers, 'hostProviders.json', { version: 2, providers: upsert(entries(readJson(providers, 'hostProviders.json'), 'providers', 'hostProviders.json', true), { name, enabled: 1, plugin: name, confPath: `\${HF_CONFDIR}/providers/${name}/`, workPath: `\${HF_WORKDIR}/providers/${name}/`, logPath: '${HF_LOGDIR}/' }) }],
        [requestors, 'hostRequestors.json', { version: 2, requestors: upsert(requestorList, wired) }],
      ],
      templates: join(conf, 'providers', name, `${name}prov_templates.json`),
    };
  }
  const providers = join(conf, 'resource_connector', 'hostProviders.json');
  return {
    files: [[providers, 'resource_connector/hostProviders.json', { providers: upsert(entries(readJson(providers, 'resource_connector/hostProviders.json'), 'providers', 'resource_connector/hostProviders.json', false), { name, type: `${name}Prov`, confPath: `resource_connector/${name}`, scriptPath: options.scripts }) }]],
    templates: join(conf, 'resource_connector', name, 'conf', `${name}prov_templates.json`),
  };
}

/**
 * Runs the built provider's validateTemplates with the product's variables for this provider (its
 * state and log directories are never used by that command: they point at the temporary directory);
 * undefined when the provider is not built. Refuses an invalid file, naming its first issues.
 */
function validateTemplates(options) {
  const bundle = join(options.scripts, '..', '.build', 'provider-main.cjs');
  if (!existsSync(bundle)) return undefined;
  const scratch = tmpdir();
  const env = options.product === 'symphony'
    ? { HF_PROVIDER_NAME: options.name, HF_CONFDIR: options.conf, HF_WORKDIR: scratch, HF_LOGDIR: scratch }
    : { PROVIDER_NAME: options.name, PRO_CONF_DIR: join(options.conf, 'resource_connector', options.name), PRO_DATA_DIR: scratch, PRO_LSF_LOGDIR: scratch };
  const answer = spawnSync(process.execPath, [bundle, 'validateTemplates'], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 120_000 });
  let report;
  try {
    report = JSON.parse(answer.stdout);
  } catch {
    throw new Refusal('The provider\'s validateTemplates answered no report: run scripts/validateTemplates.sh by hand with the product\'s variables to see why.');
  }
  if (answer.status !== 0) {
    const issues = Array.isArray(report.issues) ? report.issues.slice(0, 5).map((issue) => `${issue.path}: ${issue.message}`).join('; ') : report.message;
    throw new Refusal(`The templates file is not valid: ${issues}. Correct it (scripts/validateTemplates.sh shows every issue and where each value comes from).`);
  }
  return { file: report.file, templates: Array.isArray(report.templates) ? report.templates.length : 0, warnings: Array.isArray(report.warnings) ? report.warnings.length : 0 };
}

/** Writes `document` to `path` whole: a temporary file renamed into place. */
function writeWhole(path, document) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o644 });
  renameSync(temporary, path);
}

function run(argv) {
  const options = parseArguments(argv);
  checkScripts(options.scripts);
  const { files, templates } = plan(options);
  if (!options.check) {
    for (const [path, , document] of files) writeWhole(path, document);
    if (!existsSync(templates)) {
      mkdirSync(dirname(templates), { recursive: true });
      copyFileSync(join(here, 'sample', options.product === 'lsf' ? join('lsf', 'simprov_templates.json') : 'simprov_templates.json'), templates);
    }
  }
  // Check what is on disk now: every file parses, lists this provider, and the requestor uses it.
  for (const [path, label, expected] of files) {
    const [key] = Object.keys(expected).filter((k) => k !== 'version');
    const found = entries(readJson(path, label), key, label, options.product === 'symphony');
    if (!found.some((e) => e.name === options.name || (Array.isArray(e.providers) && e.providers.includes(options.name)))) {
      throw new Refusal(`${label} does not register the provider "${options.name}"${options.check ? ': run without --check to write it' : ''}.`);
    }
  }
  const checkedTemplates = validateTemplates(options);
  if (checkedTemplates === undefined && !existsSync(templates)) throw new Refusal(`The templates file ${options.name}prov_templates.json is missing${options.check ? ': run without --check to install the sample' : ''}.`);
  return {
    product: options.product,
    provider: options.name,
    checked: files.map(([, label]) => label),
    written: options.check ? [] : files.map(([, label]) => label),
    templates: checkedTemplates ?? 'not checked: the provider is not built (npm run build:examples)',
  };
}

try {
  process.stdout.write(`${JSON.stringify(run(process.argv.slice(2)), null, 2)}\n`);
} catch (error) {
  if (!(error instanceof Refusal)) throw error;
  process.stdout.write(`${JSON.stringify({ message: error.message }, null, 2)}\n`);
  process.exitCode = error.exitCode;
}
