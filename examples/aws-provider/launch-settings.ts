import type { ProvisionInput, TemplateSnapshot } from 'hostfactory-kernel';
import { AwsProviderError } from './errors';
import { MAX_TOPUP_ATTEMPTS } from './top-up';
import { renderUserData } from './user-data';

/** The provider APIs this adapter implements (the template's `providerApi`). */
export type ProviderApi = 'RunInstances' | 'EC2Fleet' | 'SpotFleet' | 'ASG';

/** A template turned into what the EC2 calls need (see docs/aws-provider.md for each key). */
export interface LaunchSettings {
  readonly api: ProviderApi;
  readonly templateId: string;
  readonly priceType: 'ondemand' | 'spot' | 'heterogeneous';
  /** Instance type → units one instance counts for (1 for a plain `vmType`). */
  readonly instanceTypes: Readonly<Record<string, number>>;
  readonly imageId: string | null;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  readonly keyName: string | null;
  /** Base64, as EC2 wants it. */
  readonly userData: string | null;
  readonly rootVolume: { size: number; type: string | null; iops: number | null } | null;
  /** A launch template of the user's: the adapter copies its data into the request's own. */
  readonly launchTemplate: { id: string; version: string } | null;
  readonly maxSpotPrice: string | null;
  /** Template spelling (`lowestPrice`, `capacityOptimized`, ...). */
  readonly allocationStrategy: string;
  readonly percentOnDemand: number;
  readonly fleetRole: string | null;
  /** EC2Fleet only: `instant` (default) or `request`. */
  readonly fleetType: 'instant' | 'request';
  /** Fleets only: top-up fleets launched for units a finished fleet did not deliver (0–5, default 0). */
  readonly topUpAttempts: number;
  /** Fleets only: a top-up of a spot fleet may launch on-demand (default false). */
  readonly topUpOnDemand: boolean;
}

const APIS: readonly ProviderApi[] = ['RunInstances', 'EC2Fleet', 'SpotFleet', 'ASG'];

/**
 * Reads the template keys the adapter uses, with the user data rendered for `request` (user-data.ts). Throws AWS_TEMPLATE_INVALID naming the key when the
 * template cannot be launched as written (no image, an unknown providerApi, a SpotFleet without role).
 */
export function launchSettings(template: TemplateSnapshot, request: Pick<ProvisionInput, 'rcAccount' | 'userData'> = {}): LaunchSettings {
  const config = template.providerConfig;
  const fail = (field: string, what: string): never => {
    throw new AwsProviderError('AWS_TEMPLATE_INVALID', `template ${template.templateId}: ${field} ${what}`, field);
  };
  const text = (key: string): string | null => {
    const value = config[key];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string' && typeof value !== 'number') return fail(key, `must be a string, got ${JSON.stringify(value)}`);
    return String(value);
  };
  const api = template.providerApi ?? (template.priceType === 'ondemand' && template.vmTypes === null ? 'RunInstances' : 'EC2Fleet');
  if (!APIS.includes(api as ProviderApi)) fail('providerApi', `must be one of ${APIS.join(', ')}, got ${JSON.stringify(api)}`);
  const instanceTypes = template.vmTypes ?? (template.vmType === null ? null : { [template.vmType]: 1 });
  if (instanceTypes === null) fail('vmType', 'or vmTypes is needed: the instance type(s) to launch');
  const launchTemplateId = text('launchTemplateId');
  if (template.imageId === null && launchTemplateId === null) fail('imageId', 'is needed (or launchTemplateId naming a launch template that sets the image)');
  const fleetType = text('fleetType') ?? 'instant';
  if (fleetType !== 'instant' && fleetType !== 'request') fail('fleetType', `must be "instant" or "request", got ${JSON.stringify(fleetType)}`);
  if (api === 'SpotFleet' && text('fleetRole') === null) fail('fleetRole', 'is needed for SpotFleet: the ARN of the IAM role the Spot Fleet service uses');
  if (api === 'RunInstances' && Object.keys(instanceTypes!).length > 1) fail('vmTypes', 'lists several instance types: RunInstances launches one type; use EC2Fleet or SpotFleet');
  const attempts = config.fleetTopUpAttempts ?? 0;
  if (!(Number.isInteger(attempts) && (attempts as number) >= 0 && (attempts as number) <= MAX_TOPUP_ATTEMPTS)) fail('fleetTopUpAttempts', `must be a whole number from 0 to ${MAX_TOPUP_ATTEMPTS}, got ${JSON.stringify(attempts)}`);
  if (attempts !== 0 && api !== 'EC2Fleet' && api !== 'SpotFleet') fail('fleetTopUpAttempts', `applies to EC2Fleet and SpotFleet only (${api} launches all or nothing, or keeps its own capacity)`);
  const onDemand = config.fleetTopUpOnDemand ?? false;
  if (typeof onDemand !== 'boolean') fail('fleetTopUpOnDemand', `must be true or false, got ${JSON.stringify(onDemand)}`);
  const size = config.rootDeviceVolumeSize;
  return {
    api: api as ProviderApi,
    templateId: template.templateId,
    priceType: template.priceType,
    instanceTypes: instanceTypes!,
    imageId: template.imageId,
    subnetIds: template.subnetIds,
    securityGroupIds: template.securityGroupIds,
    keyName: template.keyName,
    userData: renderUserData({ template, ...request }),
    rootVolume: typeof size === 'number' ? { size, type: text('volumeType'), iops: typeof config.iops === 'number' ? config.iops : null } : null,
    launchTemplate: launchTemplateId === null ? null : { id: launchTemplateId, version: text('launchTemplateVersion') ?? '$Default' },
    maxSpotPrice: text('maxSpotPrice'),
    allocationStrategy: text('allocationStrategy') ?? 'capacityOptimized',
    percentOnDemand: typeof config.percentOnDemand === 'number' ? config.percentOnDemand : template.priceType === 'ondemand' ? 100 : template.priceType === 'spot' ? 0 : 50,
    fleetRole: text('fleetRole'),
    fleetType: fleetType as 'instant' | 'request',
    topUpAttempts: attempts as number,
    topUpOnDemand: onDemand as boolean,
  };
}

/** On-demand units of a request of `count` units (the rest is spot). */
export function onDemandUnits(settings: LaunchSettings, count: number): number {
  return Math.round((count * settings.percentOnDemand) / 100);
}
