import { isKernelError } from '../kernel';
import type { ErrorOutput, HostFactoryOperation } from './wire';

/** Exit statuses of the provider scripts: 0 answered, 1 the operation failed, 2 the script was called wrongly. */
export const HOSTFACTORY_EXIT_CODES = Object.freeze({ ok: 0, failed: 1, usage: 2 });

/**
 * The Symphony error document for `error`: `{ message }` saying what went wrong and what to fix.
 * Library errors keep their message (which names the fix); anything else is summarised by its
 * class name only, so no stack trace, path or environment value reaches standard output.
 */
export function formatErrorOutput(error: unknown, operation?: HostFactoryOperation): ErrorOutput {
  if (isKernelError(error)) {
    if (error.code === 'TEMPLATE_NOT_FOUND' && typeof error.details.templateId === 'string') {
      return { message: `Template "${error.details.templateId}" not found: getAvailableTemplates lists the valid template ids.` };
    }
    return { message: error.message };
  }
  const kind = error instanceof Error ? error.name : typeof error;
  return {
    message: `${operation ?? 'The operation'} failed with an unexpected ${kind}; nothing more is shown here. The provider log has the details: fix the cause it names and retry.`,
  };
}

/** A short, safe text of `error` for logs and notes: the library message, or the error's own message. */
export function errorText(error: unknown): string {
  if (isKernelError(error)) return error.message;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
