// SPDX-License-Identifier: AGPL-3.0-only
import { AkvoradoError } from '../../common/errors.ts';
import { PrefixTableBuilder } from '../../common/helpers/prefix-table-builder.ts';
import type { PrefixTable } from '../../common/helpers/prefix-table.ts';
import { inSubnet, parseSubnet, type Subnet } from '../../common/helpers/subnet.ts';
import { normalize, type Configuration, type NetworkAttributes } from './config.ts';

export type { NetworkAttributes } from './config.ts';

// compare orders subnets by address, then less specific first.
function compare(a: Subnet, b: Subnet): number {
  for (let i = 0; i < 16; i++) {
    const d = a.address[i]! - b.address[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

// merge fills the attributes `own` does not say from the enclosing network's.
function merge(own: NetworkAttributes, parent: NetworkAttributes | null): NetworkAttributes {
  if (parent === null) return own;
  return {
    name: own.name || parent.name,
    role: own.role || parent.role,
    site: own.site || parent.site,
    region: own.region || parent.region,
    tenant: own.tenant || parent.tenant,
    asn: own.asn || parent.asn,
    country: own.country || parent.country,
  };
}

/**
 * Networks answers which configured network an address belongs to. For
 * each attribute, the most specific subnet that says it wins: the merged
 * attributes of every subnet are computed once, when built (a /24 that only
 * has a name takes its site from the enclosing /16), so a lookup is one
 * prefix table lookup returning an index into `records`.
 */
export class Networks {
  /** records are the merged attributes of each configured subnet. */
  readonly records: readonly NetworkAttributes[];
  private readonly table: PrefixTable;

  /** The constructor validates the mapping; it throws AKV_CONFIG_INVALID naming a bad key. */
  constructor(config: Configuration) {
    const entries: Array<{ subnet: Subnet; attrs: NetworkAttributes }> = [];
    for (const [key, value] of Object.entries(config)) {
      const subnet = parseSubnet(key);
      if (subnet === null) throw new AkvoradoError('AKV_CONFIG_INVALID', `networks: expected a subnet like 192.0.2.0/24, got "${key}"`);
      try {
        entries.push({ subnet, attrs: normalize(key, value) });
      } catch (err) {
        throw new AkvoradoError('AKV_CONFIG_INVALID', `networks.${(err as Error).message}`, { cause: err });
      }
    }
    // Walk from less to more specific with a stack of enclosing subnets.
    entries.sort((a, b) => compare(a.subnet, b.subnet));
    const records: NetworkAttributes[] = [];
    const stack: Array<{ subnet: Subnet; index: number }> = [];
    const builder = new PrefixTableBuilder();
    for (const e of entries) {
      while (stack.length > 0 && !inSubnet(stack[stack.length - 1]!.subnet, e.subnet.address)) stack.pop();
      const parent = stack.length > 0 ? records[stack[stack.length - 1]!.index]! : null;
      const index = records.length;
      records.push(Object.freeze(merge(e.attrs, parent)));
      stack.push({ subnet: e.subnet, index });
      builder.add(e.subnet.address, 0, e.subnet.length, index);
    }
    this.records = records;
    this.table = builder.build();
  }

  /** size is the number of configured subnets. */
  get size(): number {
    return this.records.length;
  }

  /** lookup returns the index in `records` of the network holding the 16 bytes at `off`, or -1. */
  lookup(addr: Uint8Array, off: number): number {
    return this.table.lookup(addr, off);
  }

  /** lookupBatch is lookup for `count` addresses at addr[off + i * stride], into out[i]. */
  lookupBatch(addr: Uint8Array, off: number, stride: number, count: number, out: Int32Array): void {
    this.table.lookupBatch(addr, off, stride, count, out);
  }
}
