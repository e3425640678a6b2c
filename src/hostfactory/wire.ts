/**
 * The Symphony host-factory documents as TypeScript types: what each of the five provider scripts
 * reads (`-f <file>`) and prints. Keys are camelCase except `launchtime`; lists are arrays.
 */

/** The five operations a Symphony host-factory provider implements, one script each. */
export type HostFactoryOperation = 'getAvailableTemplates' | 'requestMachines' | 'getRequestStatus' | 'requestReturnMachines' | 'getReturnRequests';

/** Every {@link HostFactoryOperation}, in the order Symphony typically calls them. */
export const HOSTFACTORY_OPERATIONS: readonly HostFactoryOperation[] = Object.freeze([
  'getAvailableTemplates',
  'requestMachines',
  'getRequestStatus',
  'requestReturnMachines',
  'getReturnRequests',
]);

/** An attribute on the wire: `["String", "X86_64"]`, `["Numeric", "2"]` or `["Boolean", "1"]`. */
export type WireAttribute = readonly [kind: 'String' | 'Numeric' | 'Boolean', value: string];

/** One template of a getAvailableTemplates answer; provider keys ride along next to the Symphony ones. */
export interface WireTemplate {
  templateId: string;
  /** −1 = unlimited. */
  maxNumber: number;
  /** Units that can be provisioned now (an unlimited template lists its cap, 10000, minus what is in use). */
  availableNumber: number;
  attributes: Record<string, WireAttribute>;
  priceType: 'ondemand' | 'spot' | 'heterogeneous';
  /** Host names of machines from this template that are not terminated; omitted when there are none. */
  requestedMachines?: string[];
  imageId?: string;
  /** One subnet as a string, several as an array; omitted when none is configured. */
  subnetId?: string | string[];
  vmType?: string;
  vmTypes?: Record<string, number>;
  securityGroupIds?: string[];
  /** `"k=v;k=v"`; omitted when the template has no tags. */
  instanceTags?: string;
  keyName?: string;
  userData?: string;
  providerApi?: string;
  [providerKey: string]: unknown;
}

/** getAvailableTemplates output. */
export interface GetAvailableTemplatesOutput {
  templates: WireTemplate[];
  message: string;
}

/** requestMachines (and requestReturnMachines) success output. */
export interface RequestIdOutput {
  requestId: string;
  message: string;
}

/** Symphony's request status: `running`, `complete` or `complete_with_error`. */
export type WireRequestStatus = 'running' | 'complete' | 'complete_with_error';

/** Symphony's machine status (internal `failed` → `terminated`, `unknown` → `pending`). */
export type WireMachineStatus = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';

/**
 * One machine of a getRequestStatus answer. `privateIpAddress` and `launchtime` are always present
 * (`null` and `0` while unknown) and `cloudHostId` may be `null`; other unknown facts are omitted.
 */
export interface WireMachine {
  machineId: string;
  /** Host name; `""` until the provider reports one. */
  name: string;
  result: 'executing' | 'succeed' | 'fail';
  status: WireMachineStatus;
  /** `null` until the cloud has assigned one. */
  privateIpAddress: string | null;
  publicIpAddress?: string;
  /** Integer epoch seconds (UTC); `0` until the cloud reports a launch time. */
  launchtime: number;
  instanceType?: string;
  priceType?: 'ondemand' | 'spot';
  /** `"k=v;k=v"` (`""` for none). */
  instanceTags: string;
  cloudHostId: string | null;
  /** The request's account (`rc_account`), on every machine of a request that has one. */
  rcAccount?: string;
  /** Non-empty whenever `result` is `fail`. */
  message: string;
}

/** One request of a getRequestStatus answer. */
export interface WireRequestStatusEntry {
  requestId: string;
  status: WireRequestStatus;
  /** Why, in the error cases; `""` otherwise (unless the provider could not be asked, which it then explains). */
  message: string;
  machines: WireMachine[];
}

/** getRequestStatus output. */
export interface GetRequestStatusOutput {
  requests: WireRequestStatusEntry[];
}

/** One host the provider wants back. */
export interface WireReturnRequest {
  machine: string;
  /** Seconds before the cloud takes it. */
  gracePeriod: number;
}

/** getReturnRequests output. */
export interface GetReturnRequestsOutput {
  status: 'complete';
  message: string;
  requests: WireReturnRequest[];
}

/** One host the provider wants back, in LSF's dialect: its host name and machine id. */
export interface WireLsfReturnRequest {
  machine: string;
  machineId: string;
}

/** getReturnRequests output in LSF's resource connector dialect. */
export interface GetReturnRequestsLsfOutput {
  status: 'complete';
  message: string;
  requests: WireLsfReturnRequest[];
}

/** The document every operation prints when it fails (with a non-zero exit). */
export interface ErrorOutput {
  message: string;
}

/** Any document one of the five operations prints. */
export type HostFactoryOutput = GetAvailableTemplatesOutput | RequestIdOutput | GetRequestStatusOutput | GetReturnRequestsOutput | GetReturnRequestsLsfOutput | ErrorOutput;

/** Canonical requestMachines input; IBM's plug-ins add `rc_account` and `userData`. */
export interface RequestMachinesInputDocument {
  template: { templateId: string; machineCount: number };
  rc_account?: string;
  userData?: string | { readonly [key: string]: unknown };
}

/** Canonical getRequestStatus input. */
export interface GetRequestStatusInputDocument {
  requests: { requestId: string }[];
}

/** A machine named by Symphony: `name` always, `machineId` when it has one. */
export interface WireMachineReference {
  name: string;
  machineId?: string;
}

/** Canonical requestReturnMachines input. */
export interface RequestReturnMachinesInputDocument {
  machines: WireMachineReference[];
}

/** Canonical getReturnRequests input. */
export interface GetReturnRequestsInputDocument {
  machines: WireMachineReference[];
}
