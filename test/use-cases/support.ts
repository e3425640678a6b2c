import { CreateTemplate } from '../../src/application/templates/template.commands';
import { GetRequestStatus } from '../../src/application/requests/request.queries';
import { RequestMachines, SyncRequest } from '../../src/application/requests/request.commands';
import { type RequestStatusDto } from '../../src/application/read-models/request.dto';
import { createTestHostFactory, type TestHostFactory, type TestHostFactoryOptions } from '../../src/testing';

import { templateInput } from '../support/templates';

export { templateInput };

/** A test host factory with one template already created. */
export async function withTemplate(overrides: Record<string, unknown> = {}, options: TestHostFactoryOptions = {}): Promise<TestHostFactory> {
  const hf = createTestHostFactory(options);
  await hf.commands.execute(CreateTemplate.from({ template: templateInput(overrides) }));
  return hf;
}

export async function request(hf: TestHostFactory, machineCount: number, templateId = 'small', extra: Record<string, unknown> = {}): Promise<string> {
  const { requestId } = await hf.commands.execute(RequestMachines.from({ templateId, machineCount, ...extra }));
  return requestId;
}

export async function sync(hf: TestHostFactory, requestId: string): Promise<RequestStatusDto> {
  await hf.commands.execute(SyncRequest.from({ requestId }));
  return hf.queries.execute(GetRequestStatus.from({ requestId }));
}

export async function status(hf: TestHostFactory, requestId: string): Promise<RequestStatusDto> {
  return hf.queries.execute(GetRequestStatus.from({ requestId }));
}

/** The error a promise rejects with. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code: string };
  }
  throw new Error('expected the promise to reject');
}
