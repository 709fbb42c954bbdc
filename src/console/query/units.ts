// SPDX-License-Identifier: AGPL-3.0-only
// What a graph measures. Rows store Bytes and Packets as seen in the
// sample, with the sampling rate beside them: traffic is Bytes*SamplingRate.
import type { Unit } from '../config.ts';

/** ETHERNET_OVERHEAD is what Ethernet adds to each IP packet, in bytes: a 14-byte header and a 4-byte FCS. */
export const ETHERNET_OVERHEAD = 18;

/** UnitSQL is the aggregate of one unit: `sum` adds per-row amounts; divide by the bucket width to get a rate. */
export interface UnitSQL {
  /** sum is an aggregate expression (sum over the rows of a bucket). */
  sum: string;
  /** columns are the columns it reads. */
  columns: string[];
  /** additive tells whether amount × seconds means something (bits, packets) or not (percents). */
  additive: boolean;
}

const L2_BITS = `(Bytes + ${ETHERNET_OVERHEAD} * Packets) * SamplingRate * 8`;

/**
 * unitSQL returns the aggregate for a unit. l3bps counts IP bytes, l2bps
 * adds 18 bytes of Ethernet header and FCS per packet, pps counts packets.
 * inl2% and outl2% are l2bps as a percentage of the speed of the input
 * (output) interface, InIfSpeed/OutIfSpeed in Mbps, row by row: rows whose
 * speed is unknown (0) count for nothing, and the percentages of several
 * interfaces in one bucket add up. `reverse` swaps the input and output
 * interfaces, for the reverse direction of a bidirectional graph.
 */
export function unitSQL(unit: Unit, reverse = false): UnitSQL {
  switch (unit) {
    case 'l3bps':
      return { sum: 'sum(Bytes * SamplingRate * 8)', columns: ['Bytes', 'SamplingRate'], additive: true };
    case 'l2bps':
      return { sum: `sum(${L2_BITS})`, columns: ['Bytes', 'Packets', 'SamplingRate'], additive: true };
    case 'pps':
      return { sum: 'sum(Packets * SamplingRate)', columns: ['Packets', 'SamplingRate'], additive: true };
    case 'inl2%':
    case 'outl2%': {
      const speed = (unit === 'inl2%') !== reverse ? 'InIfSpeed' : 'OutIfSpeed';
      return {
        sum: `sum(if(${speed} = 0, 0, ${L2_BITS} * 100 / (${speed} * 1000000)))`,
        columns: ['Bytes', 'Packets', 'SamplingRate', speed],
        additive: false,
      };
    }
  }
}
