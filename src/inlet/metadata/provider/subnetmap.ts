// SPDX-License-Identifier: AGPL-3.0-only
import { parseSubnet, SubnetMap } from '../../../common/helpers/subnet.ts';

/**
 * Per-exporter settings are written either as one value, which applies to
 * every exporter (as if given for "::/0"), or as a mapping from exporter
 * subnets to values. A mapping is read as subnets only when every key is a
 * subnet: a single value may itself be a mapping (SNMPv3 parameters).
 */

// isSubnetMapping tells whether a value is a mapping keyed by subnets.
function isSubnetMapping(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.keys(value).every((k) => parseSubnet(k) !== null);
}

/**
 * subnetMapFormat returns a convict format accepting one value or a mapping
 * of subnets to values, each checked with `check` (which throws a TypeError).
 */
export function subnetMapFormat(check: (v: unknown) => void): (value: unknown) => void {
  return (value: unknown) => {
    if (!isSubnetMapping(value)) {
      check(value);
      return;
    }
    for (const [k, v] of Object.entries(value)) {
      try {
        check(v);
      } catch (err) {
        throw new TypeError(`${k}: ${(err as Error).message}`, { cause: err });
      }
    }
  };
}

/** toSubnetMap turns a value accepted by subnetMapFormat into a SubnetMap, converting each value. */
export function toSubnetMap<T>(value: unknown, convert: (v: unknown) => T): SubnetMap<T> {
  if (!isSubnetMapping(value)) return SubnetMap.fromObject({ '::/0': convert(value) });
  return SubnetMap.fromObject(Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v)])));
}
