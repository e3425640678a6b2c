import { holdsCapacity, type MachineStatus } from '../machine/machine-status';
import { MAX_TEMPLATE_CAPACITY, type PriceType } from './template-definition';

/** The template facts capacity depends on; a Template or a TemplateSnapshot both fit. */
export interface CapacityTerms {
  readonly maxNumber: number;
  readonly priceType: PriceType;
  readonly vmTypes: Readonly<Record<string, number>> | null;
}

/** True when the template counts capacity in weighted units (spot, heterogeneous) rather than machines. */
export function countsUnits(terms: Pick<CapacityTerms, 'priceType'>): boolean {
  return terms.priceType !== 'ondemand';
}

/** Total capacity in units: `maxNumber`, with −1 (unlimited) capped at {@link MAX_TEMPLATE_CAPACITY}. */
export function templateCapacity(terms: Pick<CapacityTerms, 'maxNumber'>): number {
  return terms.maxNumber === -1 ? MAX_TEMPLATE_CAPACITY : Math.max(0, terms.maxNumber);
}

/**
 * Units one live machine of `instanceType` takes from the template's capacity: 1 for ondemand;
 * its `vmTypes` weight for spot/heterogeneous. An unknown or missing instance type counts the
 * highest weight of the template, so usage is never under-counted.
 */
export function machineUnits(terms: Omit<CapacityTerms, 'maxNumber'>, instanceType: string | null | undefined): number {
  if (!countsUnits(terms) || terms.vmTypes === null) return 1;
  const weight = instanceType == null ? undefined : terms.vmTypes[instanceType];
  return weight ?? Math.max(1, ...Object.values(terms.vmTypes));
}

/**
 * Units the cloud may deliver when asked for `units`: on a weighted template it starts whole
 * machines, so a request is rounded up to whole machines of the weight that overshoots most (1 unit
 * of a `{"c5.2xlarge": 2}` template can cost 2). Ondemand templates deliver exactly `units`.
 */
export function deliverableUnits(terms: Omit<CapacityTerms, 'maxNumber'>, units: number): number {
  if (units <= 0) return 0;
  if (!countsUnits(terms) || terms.vmTypes === null) return units;
  let most = units;
  for (const weight of Object.values(terms.vmTypes)) {
    if (Number.isInteger(weight) && weight >= 1) most = Math.max(most, Math.ceil(units / weight) * weight);
  }
  return most;
}

/**
 * The largest request, in the template's units, that admission accepts when `available` units are
 * left: every request up to it is accepted, none above. A request is charged the whole machines it
 * may bring ({@link deliverableUnits}), so on a weighted template this is `available` rounded down to
 * a multiple of each weight (2 units left on a weight-3 template: 0; 10 left: 9). It is what
 * getAvailableTemplates advertises as `availableNumber`.
 */
export function requestableUnits(terms: Omit<CapacityTerms, 'maxNumber'>, available: number): number {
  if (available <= 0) return 0;
  if (!countsUnits(terms) || terms.vmTypes === null) return available;
  let most = available;
  for (const weight of Object.values(terms.vmTypes)) {
    if (Number.isInteger(weight) && weight >= 1) most = Math.min(most, Math.floor(available / weight) * weight);
  }
  return most;
}

/** Capacity left given the units already in use (never negative). */
export function remainingCapacity(terms: Pick<CapacityTerms, 'maxNumber'>, unitsInUse: number): number {
  return Math.max(0, templateCapacity(terms) - unitsInUse);
}

/**
 * Units of the template held by `machines`: the sum of {@link machineUnits} over machines that
 * still hold capacity (every status but terminated and failed). The caller passes the template's machines.
 */
export function unitsInUse(
  terms: Omit<CapacityTerms, 'maxNumber'>,
  machines: readonly { readonly status: MachineStatus; readonly instanceType?: string | null }[],
): number {
  return machines.filter((m) => holdsCapacity(m.status)).reduce((sum, m) => sum + machineUnits(terms, m.instanceType), 0);
}
