/**
 * The provider-selection hook: `HF_PROVIDER_NAME=aws` runs the scripts on the AWS EC2 adapter
 * (`examples/aws-provider`, configured by `awsprov_config.json` beside the templates); any other
 * name keeps the simulated cloud. The AWS code is loaded only when chosen.
 */
import type { ProviderPort } from 'hostfactory-kernel';
import { createSimulatedCloud } from './simulated-cloud';

/** A provider the host factory calls, plus what to release when the call ends. */
export type SelectedCloud = ProviderPort & { close(): void };

/** The cloud for provider `name`: `aws` → EC2, otherwise the simulator on the state file, on the call's clock. */
export async function openCloud(
  name: string,
  env: Readonly<Record<string, string | undefined>>,
  confdir: string,
  filename: string,
  simulator: { readonly now: () => number; readonly answerDelayMs: number; readonly nativeBinding?: string },
): Promise<SelectedCloud> {
  if (name === 'aws') {
    const { openAwsProvider } = await import('../aws-provider/index');
    return openAwsProvider(confdir);
  }
  return createSimulatedCloud({ filename, ...simulator, ...(env.SIM_HANG_ON_TEMPLATE ? { hangOnTemplate: env.SIM_HANG_ON_TEMPLATE } : {}) });
}
