import { Machine } from '../../../src/domain/machine/machine';
import { Request } from '../../../src/domain/request/request';
import { Template } from '../../../src/domain/template/template';
import { type DomainContext } from '../../../src/domain/shared/ports';
import { type MachineStatus } from '../../../src/domain/machine/machine-status';
import { type TemplateInput } from '../../../src/domain/template/template-definition';
import { ctxAt } from './context';

/** A valid ondemand template input; override any key. */
export function templateInput(overrides: Partial<TemplateInput> = {}): TemplateInput {
  return {
    templateId: 'OnDemand-Small',
    maxNumber: 20,
    attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '8192'] },
    vmType: 'm5.large',
    ...overrides,
  };
}

/** A valid spot template input with weights m5.xlarge=1, m5.2xlarge=2. */
export function spotTemplateInput(overrides: Partial<TemplateInput> = {}): TemplateInput {
  return templateInput({
    templateId: 'Spot-Mixed',
    priceType: 'spot',
    vmType: undefined,
    vmTypes: { 'm5.xlarge': 1, 'm5.2xlarge': 2 },
    maxNumber: -1,
    ...overrides,
  });
}

export function aTemplate(overrides: Partial<TemplateInput> = {}, ctx: DomainContext = ctxAt()): Template {
  const template = Template.create(templateInput(overrides), ctx);
  template.pullEvents();
  return template;
}

/** A pending acquire request for `requestedCount` machines of an ondemand template. */
export function anAcquireRequest(requestedCount = 3, ctx: DomainContext = ctxAt(), timeoutSeconds = 3600): Request {
  return Request.createAcquire({ template: aTemplate({}, ctx), activeUnits: 0, requestedCount, timeoutSeconds }, ctx);
}

/** An in-progress acquire request with machines `i-1`..`i-n` attached. */
export function anAcquireRequestWithMachines(requestedCount: number, attached: number, ctx: DomainContext = ctxAt()): Request {
  const request = anAcquireRequest(requestedCount, ctx);
  const ids = Array.from({ length: attached }, (_, i) => `i-${i + 1}`);
  if (ids.length > 0) request.attachMachines(ids, ['fleet-1'], ctx);
  else request.start(ctx);
  request.pullEvents();
  return request;
}

export function aReturnRequest(machineIds: readonly string[], ctx: DomainContext = ctxAt()): Request {
  const request = Request.createReturn({ machineIds }, ctx);
  request.pullEvents();
  return request;
}

export const ACQUIRE_ID = 'req-00000000-0000-4000-8000-0000000000aa';
export const RETURN_ID = 'ret-00000000-0000-4000-8000-0000000000bb';

export function aMachine(status: MachineStatus = 'pending', ctx: DomainContext = ctxAt(), machineId = 'i-0721bb06651cad7f1'): Machine {
  const machine = Machine.create({ machineId, requestId: ACQUIRE_ID, templateId: 'OnDemand-Small', status }, ctx);
  machine.pullEvents();
  return machine;
}

/** Machine views for a request: `[['i-1', 'running'], ...]`. */
export function views(...entries: [string, MachineStatus, string?][]): { machineId: string; status: MachineStatus; instanceType?: string }[] {
  return entries.map(([machineId, status, instanceType]) => ({ machineId, status, ...(instanceType === undefined ? {} : { instanceType }) }));
}
