import { isIP } from 'node:net';
import { ValidationError } from '../../kernel/errors';
import { show } from './validation';

/** An IPv4 or IPv6 address in text form; see {@link parseIpAddress}. */
export type IpAddress = string;

/** Validates an IPv4 or IPv6 address (node:net `isIP`); throws VALIDATION_FAILED naming `field`. */
export function parseIpAddress(value: unknown, field = 'ipAddress'): IpAddress {
  if (typeof value !== 'string' || isIP(value) === 0) {
    throw new ValidationError('IP address', [
      { path: field, constraint: 'isIp', message: `must be an IPv4 or IPv6 address, got ${show(value)}` },
    ]);
  }
  return value;
}
