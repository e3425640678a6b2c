/**
 * The instance user data, rendered the way IBM's AWS plug-in hands request values to an instance:
 * a shell script that exports each value as a variable, then runs the rest. What reaches the instance
 * (docs/aws-provider.md, "User data"):
 *
 * ```sh
 * #!/bin/bash
 * export zone='us_west_2a'          # each k=v of the template's userData "k=v;k=v"
 * export rc_account='proj-7'        # the request's rc_account, when given
 * export template_id='Template-1'   # always
 * export LSF_JOB_ID='4711'          # each key of the request's userData object
 * export HF_USER_DATA='...'         # a request userData given as a string
 * ```
 *
 * A template `userData` that is a script of its own (it has a line break, or starts with `#!`) is
 * kept (unchanged when the request has no values), with the export lines inserted after its first
 * line (`#!...`) or before it. Every value is
 * single-quoted (a `'` in it is written `'\''`), so no value is ever run as code.
 */
import type { ProvisionInput } from 'hostfactory-kernel';
import { AwsProviderError } from './errors';

/** EC2's limit on user data, before base64. */
export const MAX_USER_DATA_BYTES = 16_384;
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** `'value'` for a POSIX shell, whatever the value holds. */
function quoted(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** The template's `userData` read as IBM's `k=v;k=v`, or undefined when it is a script of its own. */
function keyValues(templateId: string, text: string): [string, string][] | undefined {
  if (text.includes('\n') || text.startsWith('#!')) return undefined;
  const pairs: [string, string][] = [];
  for (const part of text.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? '' : part.slice(0, eq).trim();
    if (!NAME.test(key)) {
      throw new AwsProviderError('AWS_TEMPLATE_INVALID', `template ${templateId}: userData must be "k=v;k=v" with each k a variable name (letters, digits, _), or a script starting with #!`, 'userData');
    }
    pairs.push([key, part.slice(eq + 1)]);
  }
  return pairs;
}

/**
 * The user data of one provision, as base64 for EC2, or null when there is nothing to pass (no
 * template userData, no rcAccount, no request userData). Throws AWS_TEMPLATE_INVALID for a template
 * userData that is neither `k=v;k=v` nor a script, or for a result past EC2's 16 KiB.
 */
export function renderUserData(input: Pick<ProvisionInput, 'template' | 'rcAccount' | 'userData'>): string | null {
  const { template, rcAccount, userData } = input;
  const own = template.userData;
  if (own === null && rcAccount === undefined && userData === undefined) return null;
  const pairs = own === null ? [] : keyValues(template.templateId, own);
  // A script of the template's own, and nothing from the request: passed unchanged.
  if (pairs === undefined && rcAccount === undefined && userData === undefined) return Buffer.from(own!, 'utf8').toString('base64');
  const exports: string[] = [];
  for (const [key, value] of pairs ?? []) exports.push(`export ${key}=${quoted(value)}`);
  if (rcAccount !== undefined) exports.push(`export rc_account=${quoted(rcAccount)}`);
  exports.push(`export template_id=${quoted(template.templateId)}`);
  if (typeof userData === 'string') exports.push(`export HF_USER_DATA=${quoted(userData)}`);
  else if (userData !== undefined) {
    // Keys were checked by the library (variable names); values that are not text are written as JSON.
    for (const [key, value] of Object.entries(userData)) exports.push(`export ${key}=${quoted(typeof value === 'string' ? value : JSON.stringify(value))}`);
  }
  let script: string;
  if (pairs !== undefined || own === null) script = ['#!/bin/bash', ...exports, ''].join('\n');
  else if (own.startsWith('#!')) {
    const end = own.indexOf('\n');
    script = end < 0 ? `${own}\n${exports.join('\n')}\n` : `${own.slice(0, end + 1)}${exports.join('\n')}\n${own.slice(end + 1)}`;
  } else script = `${exports.join('\n')}\n${own}`;
  const bytes = Buffer.byteLength(script, 'utf8');
  if (bytes > MAX_USER_DATA_BYTES) {
    throw new AwsProviderError('AWS_TEMPLATE_INVALID', `template ${template.templateId}: the user data with the request's values is ${bytes} bytes; EC2 takes at most ${MAX_USER_DATA_BYTES}: shorten the template's userData or the request's`, 'userData');
  }
  return Buffer.from(script, 'utf8').toString('base64');
}
