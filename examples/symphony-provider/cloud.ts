/**
 * The provider-selection hook: `HF_PROVIDER_NAME=aws` runs the scripts on the AWS EC2 adapter
 * (`examples/aws-provider`, configured by `awsprov_config.json` beside the templates); any other
 * name keeps the simulated cloud. The AWS code is loaded only when chosen.
 */
import type { ProviderPort } from 'hostfactory-kernel';
import { loadAwsProviderConfig } from '../aws-provider/config-file';
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
    // The configuration file first, then the adapter: the code reached only through this import stays
    // out of every other call's start-up (it must not reach an entry point of the library the rest
    // does not use: esbuild would then bundle the whole of class-validator, typedi and class-transformer).
    const config = loadAwsProviderConfig(confdir);
    const { openAwsProvider } = await import('../aws-provider/index');
    return openAwsProvider(config);
  }
  return createSimulatedCloud({ filename, ...simulator, ...(env.SIM_HANG_ON_TEMPLATE ? { hangOnTemplate: env.SIM_HANG_ON_TEMPLATE } : {}) });
}
