import { describe, expect, it } from 'vitest';
import { Request } from '../../src/domain/request/request';
import { deliverableUnits, machineUnits, remainingCapacity, requestableUnits, templateCapacity, unitsInUse } from '../../src/domain/template/template-capacity';
import { aTemplate } from './support/builders';
import { ctxAt } from './support/context';
import { expectFailure, issuePaths } from './support/given';

const spot = () => aTemplate({ templateId: 'Spot', priceType: 'spot', vmType: undefined, maxNumber: 10, vmTypes: { 'm5.xlarge': 1, 'm5.2xlarge': 2 } });

function acquire(maxNumber: number, activeUnits: number, requestedCount: number, maxPerRequest?: number): Request {
  return Request.createAcquire(
    { template: aTemplate({ maxNumber }), activeUnits, requestedCount, ...(maxPerRequest === undefined ? {} : { limits: { maxPerRequest } }) },
    ctxAt(),
  );
}

describe('Template capacity', () => {
  it('caps an unlimited template (-1) at 10000', () => {
    expect(templateCapacity({ maxNumber: -1 })).toBe(10_000);
    expect(acquire(-1, 9_950, 50).requestedCount).toBe(50);
    const error = expectFailure(() => acquire(-1, 9_951, 50), 'TEMPLATE_CAPACITY_EXCEEDED');
    expect(error.details).toMatchObject({ requested: 50, available: 49, limit: 'template' });
  });

  it('refuses every request on a template with maxNumber 0', () => {
    const error = expectFailure(() => acquire(0, 0, 1), 'TEMPLATE_CAPACITY_EXCEEDED');
    expect(error.details).toMatchObject({ templateId: 'OnDemand-Small', requested: 1, available: 0 });
    expect(error.message).toContain('Requested 1');
    expect(error.message).toContain('0 unit(s) of capacity left');
  });

  it('accepts a request that uses the exact remaining capacity', () => {
    expect(acquire(20, 15, 5).status).toBe('pending');
  });

  it('refuses a request one over the remaining capacity', () => {
    const error = expectFailure(() => acquire(20, 15, 6), 'TEMPLATE_CAPACITY_EXCEEDED');
    expect(error.details).toMatchObject({ requested: 6, available: 5, maxNumber: 20, inUse: 15 });
  });

  it('applies the per-request limit (default 100, configurable)', () => {
    expect(acquire(-1, 0, 100).requestedCount).toBe(100);
    expect(expectFailure(() => acquire(-1, 0, 101), 'TEMPLATE_CAPACITY_EXCEEDED').details).toMatchObject({ available: 100, limit: 'per-request' });
    expect(acquire(-1, 0, 500, 500).requestedCount).toBe(500);
    expectFailure(() => acquire(-1, 0, 6, 5), 'TEMPLATE_CAPACITY_EXCEEDED');
    expect(expectFailure(() => acquire(-1, 0, 1, 0), 'VALIDATION_FAILED').message).toContain('limits.maxPerRequest');
  });

  it('refuses more than 10000 units as bad input, whatever limits.maxPerRequest allows', () => {
    expect(acquire(-1, 0, 10_000, 20_000).requestedCount).toBe(10_000);
    expect(issuePaths(() => acquire(-1, 0, 10_001, 20_000))).toEqual(['requestedCount']);
  });

  it('counts spot capacity in weighted units', () => {
    const template = spot();
    expect(machineUnits(template, 'm5.2xlarge')).toBe(2);
    expect(machineUnits(template, 'm5.xlarge')).toBe(1);
    const inUse = unitsInUse(template, [
      { status: 'running', instanceType: 'm5.2xlarge' },
      { status: 'pending', instanceType: 'm5.xlarge' },
      { status: 'unknown', instanceType: 'm5.2xlarge' },
      { status: 'terminated', instanceType: 'm5.2xlarge' },
      { status: 'failed', instanceType: 'm5.2xlarge' },
    ]);
    expect(inUse).toBe(5);
    expect(remainingCapacity(template, inUse)).toBe(5);
    expect(Request.createAcquire({ template, activeUnits: inUse, requestedCount: 4 }, ctxAt()).unitWeights).toEqual({ 'm5.xlarge': 1, 'm5.2xlarge': 2 });
    // 5 units may arrive as three m5.2xlarge = 6 units: more than the 5 left.
    const overrun = expectFailure(() => Request.createAcquire({ template, activeUnits: inUse, requestedCount: 5 }, ctxAt()), 'TEMPLATE_CAPACITY_EXCEEDED');
    expect(overrun.details).toMatchObject({ requested: 5, available: 5, deliverable: 6 });
    expect(overrun.message).toContain('6 once rounded up to whole machines');
  });

  it('rounds a weighted request up to the whole machines the cloud may deliver', () => {
    expect(deliverableUnits(spot(), 1)).toBe(2);
    expect(deliverableUnits(spot(), 4)).toBe(4);
    expect(deliverableUnits(spot(), 5)).toBe(6);
    expect(deliverableUnits(aTemplate({ vmTypes: { 'm5.large': 4 } }), 1)).toBe(1);
    expect(deliverableUnits(spot(), 0)).toBe(0);
  });

  it('never counts negative units: a request that already has more than it asked for expects nothing more', () => {
    const ondemand = aTemplate();
    expect(deliverableUnits(ondemand, -2)).toBe(0);
    expect(deliverableUnits(spot(), -3)).toBe(0);
    expect(remainingCapacity({ maxNumber: 5 }, 8)).toBe(0);
    expect(requestableUnits(ondemand, -1)).toBe(0);
    expect(requestableUnits(spot(), -1)).toBe(0);
    expect(templateCapacity({ maxNumber: -3 })).toBe(0);
  });

  it('weighs an unknown instance type at the highest weight of the template', () => {
    expect(machineUnits(spot(), 'c5.large')).toBe(2);
    expect(machineUnits(spot(), null)).toBe(2);
    // A missing type is not looked up by name: instance types spelled "null" or "undefined" do not catch it.
    const oddNames = aTemplate({ templateId: 'Odd', priceType: 'spot', vmType: undefined, vmTypes: { null: 1, undefined: 1, 'm5.4xlarge': 4 } });
    expect(machineUnits(oddNames, null)).toBe(4);
    expect(machineUnits(oddNames, undefined)).toBe(4);
  });

  it('counts one unit per machine on an ondemand template', () => {
    const template = aTemplate({ vmTypes: { 'm5.large': 4 } });
    expect(machineUnits(template, 'm5.large')).toBe(1);
    expect(requestableUnits(template, 10)).toBe(10);
    expect(Request.createAcquire({ template, activeUnits: 0, requestedCount: 1 }, ctxAt()).unitWeights).toBeNull();
  });
});

describe('Weighted capacity edge cases', () => {
  const noWeights = { priceType: 'spot', vmTypes: null } as const;

  it('counts a weighted template without vmTypes like an ondemand one', () => {
    expect(machineUnits(noWeights, 'm5.large')).toBe(1);
    expect(deliverableUnits(noWeights, 3)).toBe(3);
    expect(requestableUnits(noWeights, 5)).toBe(5);
  });

  it('ignores weights that are not whole numbers >= 1', () => {
    expect(deliverableUnits({ priceType: 'spot', vmTypes: { a: 0, b: 1 } }, 3)).toBe(3);
    expect(deliverableUnits({ priceType: 'spot', vmTypes: { a: 1.5 } }, 1)).toBe(1);
    expect(requestableUnits({ priceType: 'spot', vmTypes: { a: 0, b: 1 } }, 5)).toBe(5);
    expect(requestableUnits({ priceType: 'spot', vmTypes: { a: 1.5 } }, 2)).toBe(2);
  });

  it('rounds fractional units to whole machines of weight 1', () => {
    expect(deliverableUnits({ priceType: 'spot', vmTypes: { a: 1 } }, 1.5)).toBe(2);
    expect(requestableUnits({ priceType: 'spot', vmTypes: { a: 1 } }, 2.5)).toBe(2);
  });
});
