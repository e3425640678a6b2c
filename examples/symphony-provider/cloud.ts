/**
 * The provider-selection hook: `HF_PROVIDER_NAME=aws` runs the scripts on the AWS EC2 adapter
 * (`examples/aws-provider`, configured by `awsprov_config.json` beside the templates); a
 * `<name>prov_clouds.json` beside the templates runs several named simulated clouds behind one
 * composite provider (`clouds.ts`); otherwise the simulated cloud. The AWS code is loaded only when chosen.
 */
import { dirname } from 'node:path';
import { KernelError, type ProviderPort, type ReadModelStore } from 'hostfactory-kernel';
import { aliasImageResolver, ImageResolutionError, type ImageResolver, type InstanceTypeCatalogue } from 'hostfactory-kernel/hostfactory';
import { loadAwsProviderConfig } from '../aws-provider/config-file';
import { cloudsFilePath, openClouds, readCloudsFile } from './clouds';
import { createSimulatedCloud } from './simulated-cloud';

/** The provider type (which templates file and defaults level apply) and the template sources a cloud brings, if any. */
export interface CloudTemplateSources {
  readonly type: string;
  readonly images?: ImageResolver;
  readonly catalogue?: InstanceTypeCatalogue;
  close(): void;
}

/** A provider the host factory calls, plus what to release when the call ends, and its template sources. */
export type SelectedCloud = ProviderPort & CloudTemplateSources;

/** The template sources of provider `name`: for `aws`, SSM images and the EC2 catalogue; the simulator has none (type `sim`). */
export async function openTemplateSources(name: string, confdir: string): Promise<CloudTemplateSources> {
  if (name !== 'aws') return { type: 'sim', close: () => undefined };
  const { awsTemplateSources } = await import('../aws-provider/template-sources');
  return awsTemplateSources(confdir, loadAwsProviderConfig(confdir), { aliasImageResolver, ImageResolutionError });
}

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
    // The configuration file first, then the adapter: the code reached only through this import stays
    // out of every other call's start-up (it must not reach an entry point of the library the rest
    // does not use: esbuild would then bundle the whole of class-validator, typedi and class-transformer).
    const config = loadAwsProviderConfig(confdir);
    const { openAwsProvider } = await import('../aws-provider/index');
    const provider = openAwsProvider(config, { kernelError: KernelError });
    const sources = await openTemplateSources(name, confdir);
    const closeProvider = provider.close;
    return Object.assign(provider, {
      type: sources.type,
      images: sources.images,
      catalogue: sources.catalogue,
      close: () => {
        closeProvider();
        sources.close();
      },
    });
  }
  const clouds = cloudsFilePath(confdir, name);
  if (clouds !== undefined) return openClouds(readCloudsFile(clouds), env, dirname(filename), store, simulator);
  return Object.assign(createSimulatedCloud({ filename, ...simulator, ...(env.SIM_HANG_ON_TEMPLATE ? { hangOnTemplate: env.SIM_HANG_ON_TEMPLATE } : {}) }), { type: 'sim' });
}
