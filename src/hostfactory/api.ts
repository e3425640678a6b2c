import type { HostFactory } from '../application/host-factory';
import { silentLogger } from '../kernel';
import { answerWith, INPUT_PARSERS, parsedOperations, type HostFactoryApiOptions, type OperationResult } from './operations';
import type { GetAvailableTemplatesOutput, GetRequestStatusOutput, GetReturnRequestsLsfOutput, GetReturnRequestsOutput, RequestIdOutput } from './wire';

/**
 * The five Symphony operations over a host factory. Each takes the parsed input document (untrusted
 * JSON), never throws, and answers the output document or an error document with a non-zero exit.
 */
export interface HostFactoryApi {
  getAvailableTemplates(input?: unknown): Promise<OperationResult<GetAvailableTemplatesOutput>>;
  requestMachines(input: unknown): Promise<OperationResult<RequestIdOutput>>;
  getRequestStatus(input: unknown): Promise<OperationResult<GetRequestStatusOutput>>;
  requestReturnMachines(input: unknown): Promise<OperationResult<RequestIdOutput>>;
  /** Answers `GetReturnRequestsLsfOutput` when created with `dialect: 'lsf'`. */
  getReturnRequests(input?: unknown): Promise<OperationResult<GetReturnRequestsOutput | GetReturnRequestsLsfOutput>>;
}

/**
 * The Symphony provider API on a host factory (`createHostFactory()` or anything with its buses).
 * Bad input is rejected before any command runs, so it writes nothing.
 */
export function createHostFactoryApi(hostFactory: Pick<HostFactory, 'commands' | 'queries'>, options: HostFactoryApiOptions = {}): HostFactoryApi {
  const logger = options.logger ?? silentLogger;
  const run = parsedOperations(hostFactory, options, logger);
  // A parse error is answered like any failure of the operation: logged, an error document, exit 1.
  const { recorder } = options;
  const start = { dialect: options.dialect ?? 'symphony', ...(options.reconcile === undefined ? {} : { options: { reconcile: options.reconcile } }) } as const;
  const parseThen = <I, D>(operation: keyof HostFactoryApi, parse: (input: unknown) => I, work: (parsed: I) => Promise<OperationResult<D>>) => {
    const answer = (input: unknown): Promise<OperationResult<D>> => {
      let parsed: I;
      try {
        parsed = parse(input);
      } catch (error) {
        return answerWith<D>(logger, operation, () => Promise.reject(error));
      }
      return work(parsed);
    };
    if (recorder === undefined) return answer;
    return (input: unknown): Promise<OperationResult<D>> =>
      recorder.record({ operation, ...start }, () => {
        recorder.note({ input: input ?? null });
        return answer(input);
      });
  };
  return {
    getAvailableTemplates: parseThen('getAvailableTemplates', INPUT_PARSERS.getAvailableTemplates, run.getAvailableTemplates),
    requestMachines: parseThen('requestMachines', INPUT_PARSERS.requestMachines, run.requestMachines),
    getRequestStatus: parseThen('getRequestStatus', INPUT_PARSERS.getRequestStatus, run.getRequestStatus),
    requestReturnMachines: parseThen('requestReturnMachines', INPUT_PARSERS.requestReturnMachines, run.requestReturnMachines),
    getReturnRequests: parseThen('getReturnRequests', INPUT_PARSERS.getReturnRequests, run.getReturnRequests),
  };
}
