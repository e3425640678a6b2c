import { afterEach, describe, expect, it } from 'vitest';
import { GetRequest } from '../../src/application/requests/request.queries';
import type { TestHostFactory } from '../../src/testing';
import { request, withTemplate } from './support';
import { RequestMachines } from '../../src/application/requests/request.commands';
import { parseTags } from '../../src/domain/shared/tags';
import { isKernelError } from '../../src/kernel';

// The documented contract of RequestMachines.tags (docs/use-cases.md, the field's doc comment).
describe('RequestMachines tags', () => {
  it('refuses the "k=v;k=v" wire string, naming the field', () => {
    let error: unknown;
    try {
      RequestMachines.from({ templateId: 'small', machineCount: 1, tags: 'a=1;b=2' });
    } catch (caught) {
      error = caught;
    }
    expect(isKernelError(error, 'VALIDATION_FAILED')).toBe(true);
    expect((error as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['tags']);
  });

  it('takes the map parseTags makes of that string', () => {
    const command = RequestMachines.from({ templateId: 'small', machineCount: 1, tags: parseTags('a=1;b=2') });
    expect(command.tags).toEqual({ a: '1', b: '2' });
  });

  describe('through the use case', () => {
    let hf: TestHostFactory;
    afterEach(() => hf?.dispose());

    it('keeps the tags a request was made with and hands them to provision; none when it had none', async () => {
      hf = await withTemplate();
      const tagged = await request(hf, 1, 'small', { tags: { team: 'risk', cost: '42' } });
      const plain = await request(hf, 1);
      expect((await hf.queries.execute(GetRequest.from({ requestId: tagged }))).tags).toEqual({ team: 'risk', cost: '42' });
      expect((await hf.queries.execute(GetRequest.from({ requestId: plain }))).tags).toEqual({});
      expect(hf.fake!.callsTo('provision').map((c) => c.input.tags)).toEqual([{ team: 'risk', cost: '42' }, {}]);
    });
  });
});
