import { isIP } from 'class-validator';
import { ValidationError } from '../../kernel/errors';
import { describeValue } from '../../kernel/validation';

/** An IPv4 or IPv6 address in text form; see {@link parseIpAddress}. */
export type IpAddress = string;

/**
 * Validates an IPv4 or IPv6 address (class-validator's `isIP`, which node:net's `isIP` agrees with
 * except on IPv6 zone ids holding `:` or `.`, which are refused); throws VALIDATION_FAILED naming
 * `field`. Not node:net: loading it costs every Symphony call a few milliseconds of start-up.
 */
export function parseIpAddress(value: unknown, field = 'ipAddress'): IpAddress {
  if (typeof value !== 'string' || !isIP(value)) {
    throw new ValidationError('IP address', [
      { path: field, constraint: 'isIp', message: `must be an IPv4 or IPv6 address, got ${describeValue(value)}` },
    ]);
  }
  return value;
}
