// SPDX-License-Identifier: AGPL-3.0-only

/** MAX_MPLS_LABELS is how many MPLS labels a flow keeps (outermost first). */
export const MAX_MPLS_LABELS = 6;

/** UNKNOWN_DIRECTION marks a flow whose direction the exporter did not say. */
export const UNKNOWN_DIRECTION = 255;

/**
 * FlowBatch holds decoded flows column by column in typed arrays: decoders
 * write the row at `length` and call `commit()`; no object is made per flow.
 * Addresses take 16 bytes per row (IPv4 as ::ffff:a.b.c.d). A column left
 * untouched by a decoder stays 0 for that row (`begin()` clears the row).
 * Column names follow the flow schema (camelCase of SrcAddr, InIf, ...).
 */
export class FlowBatch {
  /** capacity is the number of rows the batch holds before `onFull` runs. */
  readonly capacity: number;
  /** length is the number of committed rows. */
  length: number;
  /** onFull is called by `commit()` when the batch is full; it must empty it (`clear()`). */
  onFull: ((batch: FlowBatch) => void) | null;

  readonly timeReceived: Uint32Array; // unix seconds
  readonly timeFlowStartMs: Float64Array; // unix milliseconds, 0 = unknown
  readonly timeFlowEndMs: Float64Array; // unix milliseconds, 0 = unknown
  readonly samplingRate: Uint32Array; // 0 = unknown
  readonly exporterAddress: Uint8Array; // 16 bytes per row
  readonly srcAddr: Uint8Array; // 16 bytes per row
  readonly dstAddr: Uint8Array; // 16 bytes per row
  readonly nextHop: Uint8Array; // 16 bytes per row
  readonly srcAddrNAT: Uint8Array; // 16 bytes per row
  readonly dstAddrNAT: Uint8Array; // 16 bytes per row
  readonly srcNetMask: Uint8Array;
  readonly dstNetMask: Uint8Array;
  readonly srcAS: Uint32Array;
  readonly dstAS: Uint32Array;
  readonly inIf: Uint32Array;
  readonly outIf: Uint32Array;
  readonly srcVlan: Uint16Array;
  readonly dstVlan: Uint16Array;
  readonly eType: Uint16Array; // 0x0800 IPv4, 0x86dd IPv6
  readonly proto: Uint8Array;
  readonly srcPort: Uint16Array;
  readonly dstPort: Uint16Array;
  readonly srcPortNAT: Uint16Array;
  readonly dstPortNAT: Uint16Array;
  readonly bytes: Float64Array; // exact up to 2^53
  readonly packets: Float64Array;
  readonly forwardingStatus: Uint8Array;
  readonly flowDirection: Uint8Array; // 0 ingress, 1 egress, UNKNOWN_DIRECTION
  readonly ipTTL: Uint8Array;
  readonly ipTos: Uint8Array;
  readonly ipv6FlowLabel: Uint32Array;
  readonly ipFragmentID: Uint32Array;
  readonly ipFragmentOffset: Uint16Array;
  readonly tcpFlags: Uint16Array;
  readonly icmpType: Uint8Array; // ICMPv4 or ICMPv6 depending on eType
  readonly icmpCode: Uint8Array;
  readonly srcMAC: Float64Array; // 48-bit value
  readonly dstMAC: Float64Array;
  readonly mplsLabels: Uint32Array; // MAX_MPLS_LABELS per row, 20-bit labels
  readonly mplsCount: Uint8Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.length = 0;
    this.onFull = null;
    this.timeReceived = new Uint32Array(capacity);
    this.timeFlowStartMs = new Float64Array(capacity);
    this.timeFlowEndMs = new Float64Array(capacity);
    this.samplingRate = new Uint32Array(capacity);
    this.exporterAddress = new Uint8Array(capacity * 16);
    this.srcAddr = new Uint8Array(capacity * 16);
    this.dstAddr = new Uint8Array(capacity * 16);
    this.nextHop = new Uint8Array(capacity * 16);
    this.srcAddrNAT = new Uint8Array(capacity * 16);
    this.dstAddrNAT = new Uint8Array(capacity * 16);
    this.srcNetMask = new Uint8Array(capacity);
    this.dstNetMask = new Uint8Array(capacity);
    this.srcAS = new Uint32Array(capacity);
    this.dstAS = new Uint32Array(capacity);
    this.inIf = new Uint32Array(capacity);
    this.outIf = new Uint32Array(capacity);
    this.srcVlan = new Uint16Array(capacity);
    this.dstVlan = new Uint16Array(capacity);
    this.eType = new Uint16Array(capacity);
    this.proto = new Uint8Array(capacity);
    this.srcPort = new Uint16Array(capacity);
    this.dstPort = new Uint16Array(capacity);
    this.srcPortNAT = new Uint16Array(capacity);
    this.dstPortNAT = new Uint16Array(capacity);
    this.bytes = new Float64Array(capacity);
    this.packets = new Float64Array(capacity);
    this.forwardingStatus = new Uint8Array(capacity);
    this.flowDirection = new Uint8Array(capacity);
    this.ipTTL = new Uint8Array(capacity);
    this.ipTos = new Uint8Array(capacity);
    this.ipv6FlowLabel = new Uint32Array(capacity);
    this.ipFragmentID = new Uint32Array(capacity);
    this.ipFragmentOffset = new Uint16Array(capacity);
    this.tcpFlags = new Uint16Array(capacity);
    this.icmpType = new Uint8Array(capacity);
    this.icmpCode = new Uint8Array(capacity);
    this.srcMAC = new Float64Array(capacity);
    this.dstMAC = new Float64Array(capacity);
    this.mplsLabels = new Uint32Array(capacity * MAX_MPLS_LABELS);
    this.mplsCount = new Uint8Array(capacity);
  }

  /** begin clears the row at `length` so a decoder can fill it. */
  begin(): number {
    const i = this.length;
    const a = i * 16;
    this.timeReceived[i] = 0;
    this.timeFlowStartMs[i] = 0;
    this.timeFlowEndMs[i] = 0;
    this.samplingRate[i] = 0;
    this.exporterAddress.fill(0, a, a + 16);
    this.srcAddr.fill(0, a, a + 16);
    this.dstAddr.fill(0, a, a + 16);
    this.nextHop.fill(0, a, a + 16);
    this.srcAddrNAT.fill(0, a, a + 16);
    this.dstAddrNAT.fill(0, a, a + 16);
    this.srcNetMask[i] = 0;
    this.dstNetMask[i] = 0;
    this.srcAS[i] = 0;
    this.dstAS[i] = 0;
    this.inIf[i] = 0;
    this.outIf[i] = 0;
    this.srcVlan[i] = 0;
    this.dstVlan[i] = 0;
    this.eType[i] = 0;
    this.proto[i] = 0;
    this.srcPort[i] = 0;
    this.dstPort[i] = 0;
    this.srcPortNAT[i] = 0;
    this.dstPortNAT[i] = 0;
    this.bytes[i] = 0;
    this.packets[i] = 0;
    this.forwardingStatus[i] = 0;
    this.flowDirection[i] = UNKNOWN_DIRECTION;
    this.ipTTL[i] = 0;
    this.ipTos[i] = 0;
    this.ipv6FlowLabel[i] = 0;
    this.ipFragmentID[i] = 0;
    this.ipFragmentOffset[i] = 0;
    this.tcpFlags[i] = 0;
    this.icmpType[i] = 0;
    this.icmpCode[i] = 0;
    this.srcMAC[i] = 0;
    this.dstMAC[i] = 0;
    this.mplsCount[i] = 0;
    return i;
  }

  /** commit keeps the row at `length`; when the batch is full, `onFull` empties it. */
  commit(): void {
    this.length++;
    if (this.length === this.capacity && this.onFull !== null) this.onFull(this);
  }

  /** clear forgets every row. */
  clear(): void {
    this.length = 0;
  }
}
