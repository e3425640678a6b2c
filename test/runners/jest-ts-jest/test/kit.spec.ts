import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { CreateTemplate, RequestMachines } from 'hostfactory-kernel';
import { scenario } from 'hostfactory-kernel/testing';
import { kitSuite, template } from '../shared/kit-suite';

kitSuite({ describe, it, afterEach });

describe('Jest specifics', () => {
  it('runs with fake timers on', () => {
    expect(jest.isMockFunction(setTimeout) || typeof (setTimeout as unknown as { clock?: unknown }).clock === 'object').toBe(true);
  });

  it('takes Jest’s typed asymmetric matchers in a scenario', async () => {
    await scenario()
      .givenCommands(CreateTemplate.from({ template }))
      .when(RequestMachines.from({ templateId: 'small', machineCount: 1 }))
      .then([{ type: 'RequestCreated', aggregateId: expect.stringMatching(/^req-/), data: { request: { templateId: expect.any(String) } } }, 'RequestStatusChanged', 'RequestMachinesAttached', 'MachineCreated']);
  });

  it('prints a Jest matcher with its pattern in a failing diff', async () => {
    const failure = scenario()
      .when(CreateTemplate.from({ template }))
      .then([{ type: 'TemplateCreated', aggregateId: expect.stringMatching(/^large$/) }]);
    await expect(failure).rejects.toThrow('aggregateId: expected StringMatching /^large$/, got "small"');
  });
});
