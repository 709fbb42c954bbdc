// SPDX-License-Identifier: AGPL-3.0-only
//
// The Internet as the demo sees it: remote networks with their AS numbers,
// names, prefixes and countries, and the demo operator's customers. The
// prefixes look like the real allocations of these networks (so that a real
// GeoIP database mostly agrees), but this is demo data: nothing here is
// meant to be an accurate routing table.

/** Kind tells who starts connections with a network: content and cloud networks serve, eyeballs ask. */
export type Kind = 'content' | 'cloud' | 'eyeball' | 'transit';

/** RemoteAS is a network on the Internet that sends or receives the demo traffic. */
export interface RemoteAS {
  asn: number;
  name: string;
  kind: Kind;
  /** weight is the network's share of the traffic, relative to the others. */
  weight: number;
  /** prefixes are [prefix, country] pairs, IPv4 and IPv6. */
  prefixes: ReadonlyArray<readonly [prefix: string, country: string]>;
}

/** REMOTE_ASES lists the remote networks of the demo. */
export const REMOTE_ASES: readonly RemoteAS[] = [
  { asn: 15169, name: 'Google LLC', kind: 'content', weight: 18, prefixes: [['142.250.0.0/15', 'US'], ['172.217.0.0/16', 'US'], ['216.58.192.0/19', 'US'], ['8.8.8.0/24', 'US'], ['2a00:1450::/32', 'IE'], ['2001:4860::/32', 'US']] },
  { asn: 2906, name: 'Netflix Streaming Services', kind: 'content', weight: 14, prefixes: [['45.57.0.0/17', 'US'], ['198.38.96.0/19', 'US'], ['2a00:86c0::/32', 'NL']] },
  { asn: 20940, name: 'Akamai International B.V.', kind: 'content', weight: 9, prefixes: [['23.32.0.0/11', 'US'], ['2.16.0.0/13', 'DE'], ['2a02:26f0::/29', 'NL']] },
  { asn: 13335, name: 'Cloudflare, Inc.', kind: 'content', weight: 8, prefixes: [['104.16.0.0/13', 'US'], ['172.64.0.0/13', 'US'], ['1.1.1.0/24', 'AU'], ['2606:4700::/32', 'US']] },
  { asn: 32934, name: 'Facebook, Inc.', kind: 'content', weight: 7, prefixes: [['157.240.0.0/16', 'US'], ['31.13.64.0/18', 'IE'], ['2a03:2880::/32', 'IE']] },
  { asn: 16509, name: 'Amazon.com, Inc.', kind: 'cloud', weight: 6, prefixes: [['52.95.0.0/16', 'US'], ['54.230.0.0/16', 'US'], ['3.5.0.0/16', 'DE'], ['2600:9000::/28', 'US']] },
  { asn: 8075, name: 'Microsoft Corporation', kind: 'content', weight: 5, prefixes: [['13.64.0.0/11', 'US'], ['20.33.0.0/16', 'US'], ['40.76.0.0/14', 'NL'], ['2a01:111::/32', 'US']] },
  { asn: 714, name: 'Apple Inc.', kind: 'content', weight: 3, prefixes: [['17.0.0.0/8', 'US'], ['2620:149::/36', 'US']] },
  { asn: 54113, name: 'Fastly, Inc.', kind: 'content', weight: 3, prefixes: [['151.101.0.0/16', 'US'], ['199.232.0.0/16', 'US'], ['2a04:4e40::/32', 'US']] },
  { asn: 32590, name: 'Valve Corporation', kind: 'content', weight: 2, prefixes: [['155.133.224.0/19', 'US'], ['162.254.192.0/21', 'LU']] },
  { asn: 14907, name: 'Wikimedia Foundation Inc.', kind: 'content', weight: 1, prefixes: [['208.80.152.0/22', 'US'], ['185.15.56.0/22', 'NL'], ['2620:0:860::/46', 'US']] },
  { asn: 36459, name: 'GitHub, Inc.', kind: 'content', weight: 1, prefixes: [['140.82.112.0/20', 'US']] },
  { asn: 16276, name: 'OVH SAS', kind: 'cloud', weight: 4, prefixes: [['51.38.0.0/16', 'FR'], ['54.36.0.0/16', 'FR'], ['137.74.0.0/16', 'FR'], ['2001:41d0::/32', 'FR']] },
  { asn: 24940, name: 'Hetzner Online GmbH', kind: 'cloud', weight: 3, prefixes: [['88.198.0.0/16', 'DE'], ['78.46.0.0/15', 'DE'], ['95.216.0.0/16', 'FI'], ['2a01:4f8::/29', 'DE']] },
  { asn: 12876, name: 'Scaleway S.A.S.', kind: 'cloud', weight: 2, prefixes: [['51.15.0.0/16', 'FR'], ['163.172.0.0/16', 'FR'], ['2001:bc8::/32', 'FR']] },
  { asn: 14061, name: 'DigitalOcean, LLC', kind: 'cloud', weight: 2, prefixes: [['138.68.0.0/16', 'US'], ['159.65.0.0/16', 'GB'], ['2a03:b0c0::/32', 'NL']] },
  { asn: 12322, name: 'Free SAS', kind: 'eyeball', weight: 6, prefixes: [['82.64.0.0/14', 'FR'], ['88.160.0.0/11', 'FR'], ['2a01:e00::/26', 'FR']] },
  { asn: 3215, name: 'Orange S.A.', kind: 'eyeball', weight: 6, prefixes: [['90.0.0.0/9', 'FR'], ['86.192.0.0/11', 'FR'], ['2a01:cb00::/24', 'FR']] },
  { asn: 15557, name: 'Societe Francaise Du Radiotelephone - SFR SA', kind: 'eyeball', weight: 3, prefixes: [['77.128.0.0/11', 'FR'], ['2a02:8400::/25', 'FR']] },
  { asn: 5410, name: 'Bouygues Telecom SA', kind: 'eyeball', weight: 3, prefixes: [['176.128.0.0/10', 'FR'], ['2a01:5d00::/25', 'FR']] },
  { asn: 3320, name: 'Deutsche Telekom AG', kind: 'eyeball', weight: 4, prefixes: [['79.192.0.0/10', 'DE'], ['84.128.0.0/10', 'DE'], ['2003::/19', 'DE']] },
  { asn: 2856, name: 'British Telecommunications PLC', kind: 'eyeball', weight: 2, prefixes: [['86.128.0.0/10', 'GB'], ['2a00:23c0::/26', 'GB']] },
  { asn: 7922, name: 'Comcast Cable Communications, LLC', kind: 'eyeball', weight: 3, prefixes: [['73.0.0.0/8', 'US'], ['2601::/20', 'US']] },
  { asn: 1136, name: 'KPN B.V.', kind: 'eyeball', weight: 2, prefixes: [['77.160.0.0/12', 'NL'], ['2a02:a400::/25', 'NL']] },
  { asn: 3352, name: 'Telefonica de Espana S.A.U.', kind: 'eyeball', weight: 2, prefixes: [['80.24.0.0/13', 'ES'], ['2a0c:5a80::/29', 'ES']] },
  { asn: 3269, name: 'Telecom Italia S.p.A.', kind: 'eyeball', weight: 2, prefixes: [['79.0.0.0/10', 'IT']] },
  { asn: 6830, name: 'Liberty Global B.V.', kind: 'eyeball', weight: 2, prefixes: [['84.112.0.0/13', 'AT'], ['62.163.0.0/16', 'NL']] },
  { asn: 55836, name: 'Reliance Jio Infocomm Limited', kind: 'eyeball', weight: 2, prefixes: [['49.32.0.0/11', 'IN'], ['2409:4000::/22', 'IN']] },
  { asn: 4134, name: 'Chinanet', kind: 'eyeball', weight: 1, prefixes: [['58.32.0.0/11', 'CN'], ['240e::/20', 'CN']] },
  { asn: 4766, name: 'Korea Telecom', kind: 'eyeball', weight: 1, prefixes: [['112.160.0.0/11', 'KR']] },
  { asn: 28573, name: 'Claro NXT Telecomunicacoes Ltda', kind: 'eyeball', weight: 1, prefixes: [['177.32.0.0/11', 'BR']] },
  { asn: 1221, name: 'Telstra Limited', kind: 'eyeball', weight: 1, prefixes: [['139.130.0.0/16', 'AU']] },
  { asn: 174, name: 'Cogent Communications', kind: 'transit', weight: 1, prefixes: [['38.0.0.0/8', 'US'], ['2001:550::/32', 'US']] },
  { asn: 3356, name: 'Level 3 Parent, LLC', kind: 'transit', weight: 1, prefixes: [['4.0.0.0/9', 'US'], ['2001:1900::/32', 'US']] },
  { asn: 1299, name: 'Arelion Sweden AB', kind: 'transit', weight: 1, prefixes: [['62.115.0.0/16', 'SE'], ['2001:2000::/20', 'SE']] },
];

/** Customer is a customer of the demo operator, with its own prefixes and AS number. */
export interface Customer {
  name: string;
  asn: number;
  asName: string;
  country: string;
  /** weight is the customer's share of the traffic, relative to the others. */
  weight: number;
  /** kind tells whether the customer mostly serves (hosting) or mostly asks (an office, an ISP). */
  kind: 'content' | 'eyeball';
  v4: string;
  v6: string;
}

/**
 * CUSTOMERS are the demo operator's customers. Their addresses come from the
 * documentation blocks (RFC 5737, RFC 3849) and their AS numbers from the
 * documentation range (RFC 5398).
 */
export const CUSTOMERS: readonly Customer[] = [
  { name: 'acme', asn: 64497, asName: 'ACME Corporation', country: 'FR', weight: 8, kind: 'content', v4: '198.51.100.0/27', v6: '2001:db8:a::/48' },
  { name: 'globex', asn: 64498, asName: 'Globex Hosting', country: 'FR', weight: 6, kind: 'content', v4: '198.51.100.32/27', v6: '2001:db8:b::/48' },
  { name: 'initech', asn: 64499, asName: 'Initech', country: 'DE', weight: 3, kind: 'eyeball', v4: '198.51.100.64/27', v6: '2001:db8:c::/48' },
  { name: 'umbrella', asn: 64500, asName: 'Umbrella Networks', country: 'NL', weight: 5, kind: 'content', v4: '198.51.100.96/27', v6: '2001:db8:d::/48' },
  { name: 'hooli', asn: 64501, asName: 'Hooli XYZ', country: 'GB', weight: 4, kind: 'content', v4: '198.51.100.128/27', v6: '2001:db8:e::/48' },
  { name: 'massive-dynamic', asn: 64502, asName: 'Massive Dynamic Broadband', country: 'FR', weight: 5, kind: 'eyeball', v4: '203.0.113.0/25', v6: '2001:db8:f::/48' },
  { name: 'stark', asn: 64503, asName: 'Stark Industries', country: 'DE', weight: 2, kind: 'eyeball', v4: '203.0.113.128/26', v6: '2001:db8:10::/48' },
  { name: 'wayne', asn: 64504, asName: 'Wayne Enterprises', country: 'US', weight: 2, kind: 'content', v4: '192.0.2.0/25', v6: '2001:db8:11::/48' },
];

/** GeoEntry is one prefix of the demo with its AS number, AS name and country (ISO 3166 alpha-2). */
export type GeoEntry = readonly [prefix: string, asn: number, asName: string, country: string];

/**
 * geoEntries returns every prefix the demo draws addresses from, with its
 * AS and country: the data of a GeoIP database that makes the demo's
 * enrichment agree with its traffic.
 */
export function geoEntries(): GeoEntry[] {
  const out: GeoEntry[] = [];
  for (const as of REMOTE_ASES) for (const [prefix, country] of as.prefixes) out.push([prefix, as.asn, as.name, country]);
  for (const c of CUSTOMERS) {
    out.push([c.v4, c.asn, c.asName, c.country]);
    out.push([c.v6, c.asn, c.asName, c.country]);
  }
  return out;
}
