/** Why the adapter refused before calling EC2 (a template or config it cannot turn into a launch). */
export type AwsProviderErrorCode = 'AWS_TEMPLATE_INVALID' | 'AWS_CONFIG_INVALID' | 'AWS_CALL_FAILED';

/**
 * An error of the AWS adapter: a stable `code`, the offending `field` (template or config key) when
 * there is one, and a message saying what to fix. EC2 errors are wrapped with the call and request
 * they belong to, the SDK error kept as `cause`.
 */
export class AwsProviderError extends Error {
  constructor(
    readonly code: AwsProviderErrorCode,
    message: string,
    readonly field: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AwsProviderError';
  }
}

/** The EC2 error code of an SDK error (`InvalidInstanceID.NotFound`, ...), or undefined. */
export function ec2ErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { Code, name } = error as { Code?: unknown; name?: unknown };
  if (typeof Code === 'string') return Code;
  return typeof name === 'string' ? name : undefined;
}

/** Runs one EC2 call; a failure becomes AWS_CALL_FAILED naming the call and what it was for. */
export async function ec2Call<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof AwsProviderError) throw error;
    const code = ec2ErrorCode(error) ?? 'Error';
    const text = error instanceof Error ? error.message : String(error);
    throw new AwsProviderError('AWS_CALL_FAILED', `${what} failed: ${code}: ${text}`, null, { cause: error });
  }
}
