import { randomUUID } from 'node:crypto';
import type { ProviderPort } from '../application/provider/provider.port';
import { Template, type TemplateSnapshot } from '../domain/template/template';
import { type TemplateInput } from '../domain/template/template-definition';
import { MANUAL_CLOCK_START, sequentialIds } from './manual-clock';
import { cancelCases } from './provider-contract/cancel-cases';
import { faultCases, shapeCases, type CaseContext, type ProviderCaseBody } from './provider-contract/cases';

/** What `create` may return instead of a bare provider: the provider plus the hooks some cases use. */
export interface ProviderContractSubject {
  readonly provider: ProviderPort;
  /** A template whose provision must reject with an Error carrying a message (needed unless `faults: false`). */
  readonly failingTemplate?: TemplateSnapshot;
  /** Makes the provider report a reclaim notice for `machineId`; without it the reclaim case checks shapes only. */
  readonly scheduleReclaim?: (machineId: string) => void | Promise<void>;
}

/** What {@link providerContract} needs: a name for reports and a way to make a provider for each case. */
export interface ProviderContractOptions {
  /** Shown by runners, e.g. `"aws ec2-fleet adapter"`. */
  readonly name: string;
  /** A provider (or a {@link ProviderContractSubject}); called once per case. */
  readonly create: () => ProviderPort | ProviderContractSubject | Promise<ProviderPort | ProviderContractSubject>;
  /** Called after each case (pass or fail) with the provider `create` made. */
  readonly destroy?: (provider: ProviderPort) => void | Promise<void>;
  /** A template the provider can provision (default {@link sampleTemplateSnapshot}`()`). */
  readonly template?: TemplateSnapshot;
  /** Units each case provisions (default 2). */
  readonly count?: number;
  /** Include the cases that need a failure on purpose (default true); `false` for an adapter that cannot be made to fail. */
  readonly faults?: boolean;
  /**
   * Include the cases of the optional `cancelProvision` (default true: they fail, naming the fix, for
   * a provider without it); `false` for an adapter that does not implement it.
   */
  readonly cancel?: boolean;
  /** Describes to try before machines provision reported must be visible (default 5), for eventually consistent clouds. */
  readonly describeAttempts?: number;
  /** Real-time wait between those describes (default 0). */
  readonly pollIntervalMs?: number;
}

/** One named rule of the provider port; `run` rejects with an Error whose message says what broke. */
export interface ProviderContractCase {
  readonly name: string;
  readonly run: () => Promise<void>;
}

/**
 * The conformance suite for a {@link ProviderPort} adapter: result shapes, provision idempotency,
 * describe of unknown ids, terminate idempotency, `cancelProvision` (unless `cancel: false`), and
 * (unless `faults: false`) errors carrying messages. Each case runs on a provider from `create()`,
 * uses random request ids, terminates the machines it made and then calls `destroy`. Usable from any
 * runner; `runProviderContract(options, { describe, it })` declares one test per case.
 */
export function providerContract(options: ProviderContractOptions): ProviderContractCase[] {
  const bodies: Record<string, ProviderCaseBody> = {
    ...shapeCases,
    ...(options.cancel === false ? {} : cancelCases),
    ...(options.faults === false ? {} : faultCases),
  };
  return Object.entries(bodies).map(([name, body]) => ({ name, run: () => runCase(options, body) }));
}

/**
 * A valid on-demand template snapshot (`contract-ondemand`, `m5.large`, maxNumber 100) built
 * through `Template.create(...)` at a fixed instant, with `overrides` applied to the input first.
 * Throws VALIDATION_FAILED when the overrides make it invalid.
 */
export function sampleTemplateSnapshot(overrides: Partial<TemplateInput> = {}): TemplateSnapshot {
  const input: TemplateInput = {
    templateId: 'contract-ondemand',
    maxNumber: 100,
    attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '8192'] },
    vmType: 'm5.large',
    providerApi: 'RunInstances',
    ...overrides,
  };
  return Template.create(input, { now: new Date(MANUAL_CLOCK_START), ids: sequentialIds() }).toSnapshot();
}

async function runCase(options: ProviderContractOptions, body: ProviderCaseBody): Promise<void> {
  const created = await options.create();
  const subject: ProviderContractSubject = isSubject(created) ? created : { provider: created };
  const made = new Set<string>();
  const ctx: CaseContext = {
    provider: subject.provider,
    template: options.template ?? sampleTemplateSnapshot(),
    count: options.count ?? 2,
    describeAttempts: Math.max(1, options.describeAttempts ?? 5),
    pollIntervalMs: options.pollIntervalMs ?? 0,
    failingTemplate: subject.failingTemplate,
    scheduleReclaim: subject.scheduleReclaim,
    track: (ids) => ids.forEach((id) => made.add(id)),
  };
  try {
    await body(ctx);
  } finally {
    try {
      if (made.size > 0) await subject.provider.terminate({ requestId: `ret-${randomUUID()}`, machineIds: [...made] });
    } catch {
      // Best-effort cleanup: the case's own verdict is what matters.
    }
    await options.destroy?.(subject.provider);
  }
}

function isSubject(value: ProviderPort | ProviderContractSubject): value is ProviderContractSubject {
  return 'provider' in value && typeof (value as Partial<ProviderPort>).provision !== 'function';
}
