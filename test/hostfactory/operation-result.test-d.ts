import { describe, expectTypeOf, it } from 'vitest';
import type { ErrorOutput, HostFactoryApi, OperationResult, RequestIdOutput } from '../../src/hostfactory';

declare const api: HostFactoryApi;

describe('OperationResult', () => {
  it('narrows the document by ok', async () => {
    const result = await api.requestMachines({});
    expectTypeOf(result).toEqualTypeOf<OperationResult<RequestIdOutput>>();
    if (result.ok) {
      expectTypeOf(result.document).toEqualTypeOf<RequestIdOutput>();
      expectTypeOf(result.exitCode).toEqualTypeOf<0>();
    } else {
      expectTypeOf(result.document).toEqualTypeOf<ErrorOutput>();
      expectTypeOf(result.exitCode).toEqualTypeOf<1 | 2>();
    }
  });

  it('narrows the document by exitCode', async () => {
    const result = await api.getAvailableTemplates();
    if (result.exitCode === 0) expectTypeOf(result.document.templates).toBeArray();
    // @ts-expect-error before narrowing the document may be an error document without templates
    void result.document.templates;
  });
});
