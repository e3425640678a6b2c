import { describe, expect, it } from 'vitest';
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
});
