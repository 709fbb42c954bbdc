// SPDX-License-Identifier: AGPL-3.0-only
import type { Setting } from '../../common/config/schema.ts';
import { parseSubnet } from '../../common/helpers/subnet.ts';

/** NetworkAttributes are what the configuration says about a network ("" or 0: not said). */
export interface NetworkAttributes {
  readonly name: string;
  readonly role: string;
  readonly site: string;
  readonly region: string;
  readonly tenant: string;
  readonly asn: number;
  readonly country: string;
}

/** NetworkSetting is one value of the mapping: attributes (asn may be "AS64500"), or a name alone. */
export type NetworkSetting = string | (Partial<Omit<NetworkAttributes, 'asn'>> & { asn?: number | string });

/** Configuration maps subnets ("192.0.2.0/24", "2001:db8::/32") to their attributes. */
export type Configuration = Record<string, NetworkSetting>;

/** STRING_ATTRIBUTES are the attributes holding text. */
export const STRING_ATTRIBUTES = ['name', 'role', 'site', 'region', 'tenant', 'country'] as const;

// parseASN accepts 64500, "64500" and "AS64500"; it returns null otherwise.
function parseASN(v: unknown): number | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= 0xffffffff ? v : null;
  if (typeof v !== 'string') return null;
  const m = /^(?:AS)?(\d{1,10})$/i.exec(v);
  return m !== null && Number(m[1]) <= 0xffffffff ? Number(m[1]) : null;
}

/**
 * normalize checks one value of the mapping and returns its attributes; it
 * throws a TypeError whose message starts with the subnet and the bad key.
 */
export function normalize(subnet: string, v: unknown): NetworkAttributes {
  if (typeof v === 'string') return { name: v, role: '', site: '', region: '', tenant: '', asn: 0, country: '' };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new TypeError(`${subnet}: expected a name or a mapping of attributes, got ${JSON.stringify(v)}`);
  }
  const out = { name: '', role: '', site: '', region: '', tenant: '', asn: 0, country: '' };
  for (const [k, x] of Object.entries(v)) {
    if (k === 'asn') {
      const asn = parseASN(x);
      if (asn === null) throw new TypeError(`${subnet}.asn: expected an AS number, got ${JSON.stringify(x)}`);
      out.asn = asn;
    } else if ((STRING_ATTRIBUTES as readonly string[]).includes(k)) {
      if (typeof x !== 'string') throw new TypeError(`${subnet}.${k}: expected a string, got ${JSON.stringify(x)}`);
      out[k as (typeof STRING_ATTRIBUTES)[number]] = x;
    } else {
      throw new TypeError(`${subnet}.${k}: unknown attribute (expected one of name, role, site, region, tenant, asn, country)`);
    }
  }
  return out;
}

// networksFormat validates the whole mapping.
function networksFormat(value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`expected a mapping of subnets to attributes, got ${JSON.stringify(value)}`);
  }
  for (const [k, v] of Object.entries(value)) {
    if (parseSubnet(k) === null) throw new TypeError(`expected a subnet like 192.0.2.0/24, got "${k}"`);
    normalize(k, v);
  }
}

/**
 * setting declares the `networks` key: subnets mapped to attributes (name,
 * role, site, region, tenant, asn, country) or to a plain name. Subnet keys
 * contain dots and colons, so the mapping is free-form and checked here.
 */
export const setting = {
  doc: 'Attributes of networks, by subnet: name, role, site, region, tenant, asn, country (a plain string is a name); for each attribute, the most specific subnet saying it wins',
  format: networksFormat,
  freeform: true,
  default: {} as Configuration,
} satisfies Setting;
