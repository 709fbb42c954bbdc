// SPDX-License-Identifier: AGPL-3.0-only
import { CUSTOMERS, REMOTE_ASES, type Customer } from './asns.ts';
import type { ExporterSpec } from './exporters.ts';

/** Role is what an interface connects to; aliases start with it, as operators often write them. */
export type Role = 'transit' | 'peering' | 'customer';

/** Interface is one interface of a demo exporter, as SNMP and the flows show it. */
export interface Interface {
  index: number;
  /** name is ifName ("Te0/1/0"), descr is ifDescr ("TenGigabitEthernet0/1/0"). */
  name: string;
  descr: string;
  /** alias is ifAlias: "transit: Cogent [10G]", "peering: FR-IX [100G]", "customer: acme [1G]". */
  alias: string;
  /** speed is ifHighSpeed, in Mbit/s. */
  speed: number;
  role: Role;
  /** customer is the customer behind a customer interface (null otherwise). */
  customer: Customer | null;
}

// TRANSITS are the transit providers; each exporter buys from two.
const TRANSITS = [
  { asn: 174, name: 'Cogent' },
  { asn: 3356, name: 'Lumen' },
  { asn: 1299, name: 'Arelion' },
] as const;

// PNIS are the networks an exporter may have a private interconnect with.
const PNIS = [
  { asn: 15169, name: 'Google' },
  { asn: 2906, name: 'Netflix' },
  { asn: 20940, name: 'Akamai' },
  { asn: 32934, name: 'Facebook' },
] as const;

/** CUSTOMERS_PER_EXPORTER is how many customer interfaces an exporter has. */
export const CUSTOMERS_PER_EXPORTER = 4;

// PORTS gives the interface names of each speed (Cisco style).
const PORTS: Record<number, { short: string; long: string; slot: string; label: string }> = {
  1000: { short: 'Gi', long: 'GigabitEthernet', slot: '0/0', label: '1G' },
  10000: { short: 'Te', long: 'TenGigabitEthernet', slot: '0/1', label: '10G' },
  100000: { short: 'Hu', long: 'HundredGigE', slot: '0/2', label: '100G' },
};

/**
 * Topology is what an exporter is connected to: its interfaces, which of
 * them leads to each remote AS (a private interconnect, the exchange for its
 * peers, else a transit chosen by AS number), and its customer interfaces.
 * It depends on the exporter's rank only, so the SNMP agent and the flows
 * always agree.
 */
export class Topology {
  readonly interfaces: Interface[] = [];
  /** customerLinks are the customer interfaces. */
  readonly customerLinks: Interface[] = [];
  readonly #byAS = new Map<number, number>();
  readonly #transits: number[] = [];
  readonly #used: Record<number, number> = { 1000: 0, 10000: 0, 100000: 0 };

  constructor(spec: ExporterSpec) {
    const r = spec.rank;
    for (const t of [TRANSITS[r % 3]!, TRANSITS[(r + 1) % 3]!]) {
      const i = this.#add('transit', t.name, 10000, null);
      this.#transits.push(i.index);
      this.#byAS.set(t.asn, i.index);
    }
    for (const p of [PNIS[r % 4]!, PNIS[(r + 1) % 4]!]) this.#byAS.set(p.asn, this.#add('peering', p.name, 10000, null).index);
    const ix = this.#add('peering', spec.ix, 10000, null).index;
    for (const as of REMOTE_ASES) {
      if (as.kind !== 'transit' && !this.#byAS.has(as.asn) && as.asn % 3 !== r % 3) this.#byAS.set(as.asn, ix);
    }
    for (let k = 0; k < CUSTOMERS_PER_EXPORTER; k++) {
      const c = CUSTOMERS[(2 * r + k) % CUSTOMERS.length]!;
      this.customerLinks.push(this.#add('customer', c.name, c.weight >= 3 ? 10000 : 1000, c));
    }
  }

  /** linkTo returns the ifIndex of the interface leading to a remote AS. */
  linkTo(asn: number): number {
    return this.#byAS.get(asn) ?? this.#transits[asn % this.#transits.length]!;
  }

  #add(role: Role, peer: string, speed: number, customer: Customer | null): Interface {
    const port = PORTS[speed]!;
    const n = this.#used[speed]!++;
    const i: Interface = {
      index: this.interfaces.length + 1,
      name: `${port.short}${port.slot}/${n}`,
      descr: `${port.long}${port.slot}/${n}`,
      alias: `${role}: ${peer} [${port.label}]`,
      speed,
      role,
      customer,
    };
    this.interfaces.push(i);
    return i;
  }
}
