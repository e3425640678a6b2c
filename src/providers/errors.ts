import { KernelError } from '../kernel';

/**
 * A template names a provider the composite does not have (`UNKNOWN_PROVIDER`), or names its
 * providers in a shape the composite cannot read. Raised when the template is imported, created or
 * updated (through `ProviderPort.checkTemplate`), and again before anything is launched.
 */
export class ProviderRoutingError extends KernelError {
  constructor(
    code: 'UNKNOWN_PROVIDER' | 'INVALID_PROVIDER_ROUTING',
    templateId: string,
    key: string,
    problem: string,
    details: Record<string, unknown> = {},
  ) {
    super(code, `Template "${templateId}": ${key} ${problem}.`, { details: { templateId, key, ...details } });
  }
}

/** What one provider answered when the composite asked it to provision. */
export interface ProvisionAttempt {
  readonly provider: string;
  /** `refused`: it threw; `skipped`: its circuit breaker was open. */
  readonly outcome: 'refused' | 'skipped';
  readonly message: string;
}

/**
 * Every provider a template may use refused the request or was skipped by its open circuit breaker
 * (`NO_PROVIDER_AVAILABLE`); nothing was launched. `details.attempts` lists each provider's answer.
 */
export class NoProviderAvailableError extends KernelError {
  constructor(templateId: string, requestId: string, attempts: readonly ProvisionAttempt[]) {
    const shown = attempts.map((a) => `${a.provider} ${a.outcome}: ${a.message}`).join('; ');
    super(
      'NO_PROVIDER_AVAILABLE',
      `No provider could start request ${requestId} of template "${templateId}" (${shown}); nothing was launched. ` +
        'Retry later, or allow the template on another provider (providerName).',
      { details: { templateId, requestId, attempts } },
    );
  }
}

/** The composite's options are wrong (`INVALID_CONFIGURATION`): names every problem. */
export function invalidComposite(problems: readonly string[]): KernelError {
  return new KernelError('INVALID_CONFIGURATION', `createCompositeProvider(): ${problems.join('; ')}.`, { details: { problems } });
}
