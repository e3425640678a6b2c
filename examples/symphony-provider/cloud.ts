/**
 * The provider-selection hook: `HF_PROVIDER_NAME=aws` runs the scripts on the AWS EC2 adapter
 * (`examples/aws-provider`, configured by `awsprov_config.json` beside the templates); a
 * `<name>prov_clouds.json` beside the templates runs several named simulated clouds behind one
 * composite provider (`clouds.ts`); otherwise the simulated cloud. The AWS code is loaded only when chosen.
 */
import { dirname } from 'node:path';
import type { ProviderPort, ReadModelStore } from '../../src/index';
import { cloudsFilePath, openClouds, readCloudsFile } from './clouds';
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
  store: ReadModelStore,
): Promise<SelectedCloud> {
  if (name === 'aws') {
    const { openAwsProvider } = await import('../aws-provider/index');
    return openAwsProvider(confdir);
  }
  const clouds = cloudsFilePath(confdir, name);
  if (clouds !== undefined) return openClouds(readCloudsFile(clouds), env, dirname(filename), store, simulator);
  return createSimulatedCloud({ filename, ...simulator, ...(env.SIM_HANG_ON_TEMPLATE ? { hangOnTemplate: env.SIM_HANG_ON_TEMPLATE } : {}) });
}
