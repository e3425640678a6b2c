/**
 * The Symphony host-factory provider surface: parse and format functions for the five operations'
 * documents and the templates file, their JSON Schemas, `createHostFactoryApi()` over a host
 * factory, and `runHostFactoryOperation()` — a provider script in three lines.
 */
export { HOSTFACTORY_OPERATIONS } from './wire';
export type {
  HostFactoryOperation,
  HostFactoryOutput,
  WireAttribute,
  WireTemplate,
  WireMachine,
  WireMachineStatus,
  WireMachineReference,
  WireRequestStatus,
  WireRequestStatusEntry,
  WireReturnRequest,
  WireLsfReturnRequest,
  GetReturnRequestsLsfOutput,
  GetAvailableTemplatesOutput,
  RequestIdOutput,
  GetRequestStatusOutput,
  GetReturnRequestsOutput,
  ErrorOutput,
  RequestMachinesInputDocument,
  GetRequestStatusInputDocument,
  RequestReturnMachinesInputDocument,
  GetReturnRequestsInputDocument,
} from './wire';
/** The domain's bounds on a request's fields, which the commands, the parsers and the schemas all read. */
export { REQUEST_LIMITS } from '../domain/request/request-limits';
export {
  HOSTFACTORY_INPUT_LIMITS,
  parseGetAvailableTemplatesInput,
  parseRequestMachinesInput,
  parseGetRequestStatusInput,
  parseRequestReturnMachinesInput,
  parseGetReturnRequestsInput,
  parseTemplatesFile,
  formatGetAvailableTemplatesInput,
  formatRequestMachinesInput,
  formatGetRequestStatusInput,
  formatRequestReturnMachinesInput,
  formatGetReturnRequestsInput,
} from './input';
export type { GetRequestStatusInput, TemplatesFileOptions } from './input';
export {
  formatGetAvailableTemplatesOutput,
  formatRequestMachinesOutput,
  formatRequestReturnMachinesOutput,
  formatGetRequestStatusOutput,
  formatGetReturnRequestsOutput,
  formatGetReturnRequestsLsfOutput,
} from './output';
export { HOSTFACTORY_EXIT_CODES, formatErrorOutput } from './errors';
export { HOSTFACTORY_SCHEMAS, ERROR_OUTPUT_SCHEMA } from './schemas';
export type { HostFactorySchemaName } from './schemas';
export { createHostFactoryApi } from './api';
export type { HostFactoryApi } from './api';
export type { HostFactoryApiOptions, OperationResult } from './operations';
export { runHostFactoryOperation, parseFileArgument, readInputFile } from './run-operation';
export type { HostFactoryIo, HostFactoryContext, TextSink } from './run-operation';
export { parseJsonText, locateJsonSyntaxError } from './json-text';
export type { JsonSyntaxLocation } from './json-text';
export { fileLogger, jsonLinesLogger } from './file-logger';
export { detectProduct, resolveProviderEnvironment, ProviderEnvironmentError } from './provider-environment';
export type { HostFactoryProduct, ProviderEnvironment, ProviderEnvironmentOptions, ProviderEnvironmentErrorCode } from './provider-environment';
export { openStateDirectory, providerTimeBudget, DEFAULT_PROVIDER_TIME_BUDGET, configuredActionTimeoutMs, HOSTFACTORY_CONF_FILE } from './provider-directories';
export type { ProviderTimeBudget } from './provider-directories';
export { locateTemplatesFile } from './provider-directories';
export type { TemplatesFileLocation } from './provider-directories';
export { applyTemplateDefaults } from '../application/templates/template-defaults';
export type { EffectiveTemplates, TemplateProviderContext, TemplateSources, TemplateValueSource } from '../application/templates/template-defaults';
export { completeTemplatesFile } from './template-completion';
export type { CompletedTemplates, InstanceTypeCatalogue, InstanceTypeFacts, TemplateCompletionOptions } from './template-completion';
export { aliasImageResolver, ImageResolutionError, IMAGE_ALIAS_PREFIX } from '../application/provider/image-resolver';
export type { ImageResolutionReason, ImageResolver } from '../application/provider/image-resolver';
export type { FileLoggerOptions, LogLevel } from './file-logger';
export { createCallRecorder } from './recording/recorder';
export type { CallRecorder, CallRecorderOptions, RecordedCallOptions, RecordedAnswer } from './recording/recorder';
export { recordingFromEnvironment } from './recording/recording-environment';
export type { RecordingSettings } from './recording/recording-environment';
export { readRecording, RecordingError } from './recording/read-recording';
export type { RecordingEntry, RecordingErrorCode } from './recording/read-recording';
export { RECORDING_FORMAT_VERSION, LIBRARY_VERSION } from './recording/recording-format';
export type { RecordedCall, RecordedCallStart, RecordedPortCall, RecordedPortMethod } from './recording/recording-format';
export { REDACTED, DEFAULT_SENSITIVE_KEYS } from './recording/redact';
export type { RecordingRedaction } from './recording/redact';
/** How error messages describe a bad value without quoting it (also in `hostfactory-kernel/kernel`): for a provider's own configuration checks. */
export { describeValue } from '../kernel/validation';
