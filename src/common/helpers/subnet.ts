// SPDX-License-Identifier: AGPL-3.0-only
import { parseIP } from './ip.ts';

/** Subnet is a prefix over 16-byte addresses (IPv4 prefixes are mapped: /24 becomes /120). */
export interface Subnet {
  address: Uint8Array;
  length: number;
  text: string;
}

/**
 * parseSubnet reads "192.0.2.0/24", "2001:db8::/32" or a bare address (a host
 * prefix). Host bits must be zero. Returns null when the text is not a subnet.
 */
export function parseSubnet(text: string): Subnet | null {
  const slash = text.indexOf('/');
  const addr = parseIP(slash < 0 ? text : text.slice(0, slash));
  if (addr === null) return null;
  const v4 = !text.includes(':');
  const max = v4 ? 32 : 128;
  const lenText = slash < 0 ? String(max) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) return null;
  const length = Number(lenText) + (v4 ? 96 : 0);
  for (let bit = length; bit < 128; bit++) {
    if (addr[bit >> 3]! & (0x80 >> (bit & 7))) return null;
  }
  return { address: addr, length, text };
}

/** inSubnet tells whether the 16 bytes at `off` are inside the subnet. */
export function inSubnet(s: Subnet, addr: Uint8Array, off = 0): boolean {
  const full = s.length >> 3;
  for (let i = 0; i < full; i++) if (addr[off + i] !== s.address[i]) return false;
  const rest = s.length & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (addr[off + full]! & mask) === s.address[full];
}

/**
 * SubnetMap maps subnets to values; lookup returns the value of the most
 * specific subnet containing an address. Meant for per-exporter settings,
 * looked up once per exporter and cached by the caller.
 */
export class SubnetMap<T> {
  private readonly entries: Array<{ subnet: Subnet; value: T }>;

  constructor(entries: ReadonlyArray<readonly [Subnet, T]>) {
    this.entries = entries.map(([subnet, value]) => ({ subnet, value })).sort((a, b) => b.subnet.length - a.subnet.length);
  }

  /** fromObject builds a map from { "subnet": value }; it throws a TypeError naming a bad subnet. */
  static fromObject<T>(o: Readonly<Record<string, T>>): SubnetMap<T> {
    return new SubnetMap(
      Object.entries(o).map(([k, v]) => {
        const s = parseSubnet(k);
        if (s === null) throw new TypeError(`expected a subnet like 192.0.2.0/24, got "${k}"`);
        return [s, v] as const;
      }),
    );
  }

  lookup(addr: Uint8Array, off = 0): T | undefined {
    for (const e of this.entries) if (inSubnet(e.subnet, addr, off)) return e.value;
    return undefined;
  }

  get size(): number {
    return this.entries.length;
  }
}
