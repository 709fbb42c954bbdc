// SPDX-License-Identifier: AGPL-3.0-only

/** MAX_MPLS_LABELS is how many MPLS labels a flow keeps (outermost first). */
export const MAX_MPLS_LABELS = 6;

/** UNKNOWN_DIRECTION marks a flow whose direction the exporter did not say. */
export const UNKNOWN_DIRECTION = 255;

/**
 * STRING_COLUMNS are the enriched text columns: each row holds, for each,
 * an id in the process-wide string table (strings.ts; 0 is the empty
 * string). They are stored row by row in `stringIds` (STRING_COUNT ids per
 * row, in this order) rather than column by column: the enricher writes and
 * the encoder reads all of a row's ids together, and 28 separate columns
 * made the encoder wait on memory (measured: twice slower).
 */
export const STRING_COLUMNS = [
  'exporterName',
  'exporterGroup',
  'exporterRole',
  'exporterSite',
  'exporterRegion',
  'exporterTenant',
  'inIfName',
  'outIfName',
  'inIfDescription',
  'outIfDescription',
  'inIfConnectivity',
  'outIfConnectivity',
  'inIfProvider',
  'outIfProvider',
  // Name, role, site, region, tenant: consecutive (the enricher writes them as a block).
  'srcNetName',
  'srcNetRole',
  'srcNetSite',
  'srcNetRegion',
  'srcNetTenant',
  'dstNetName',
  'dstNetRole',
  'dstNetSite',
  'dstNetRegion',
  'dstNetTenant',
  'srcGeoCity',
  'dstGeoCity',
  'srcGeoState',
  'dstGeoState',
] as const;

/** StringColumn is the name of a string column of FlowBatch. */
export type StringColumn = (typeof STRING_COLUMNS)[number];

/** STRING_COUNT is the number of string ids per row. */
export const STRING_COUNT = STRING_COLUMNS.length;

/** STRING_INDEX gives the position of each string column among a row's ids. */
export const STRING_INDEX = Object.freeze(Object.fromEntries(STRING_COLUMNS.map((c, i) => [c, i]))) as Readonly<Record<StringColumn, number>>;

// LAYOUT gives, for each column in constructor order, the element size and
// the number of elements per row.
const LAYOUT: ReadonlyArray<readonly [number, number]> = [
  [4, 1], // timeReceived
  [8, 1], // timeFlowStartMs
  [8, 1], // timeFlowEndMs
  [4, 1], // samplingRate
  [1, 16], // exporterAddress
  [1, 16], // srcAddr
  [1, 16], // dstAddr
  [1, 16], // nextHop
  [1, 16], // srcAddrNAT
  [1, 16], // dstAddrNAT
  [1, 1], // srcNetMask
  [1, 1], // dstNetMask
  [4, 1], // srcAS
  [4, 1], // dstAS
  [4, 1], // inIf
  [4, 1], // outIf
  [2, 1], // srcVlan
  [2, 1], // dstVlan
  [2, 1], // eType
  [1, 1], // proto
  [2, 1], // srcPort
  [2, 1], // dstPort
  [2, 1], // srcPortNAT
  [2, 1], // dstPortNAT
  [8, 1], // bytes
  [8, 1], // packets
  [1, 1], // forwardingStatus
  [1, 1], // flowDirection
  [1, 1], // ipTTL
  [1, 1], // ipTos
  [4, 1], // ipv6FlowLabel
  [4, 1], // ipFragmentID
  [2, 1], // ipFragmentOffset
  [2, 1], // tcpFlags
  [1, 1], // icmpType
  [1, 1], // icmpCode
  [8, 1], // srcMAC
  [8, 1], // dstMAC
  [4, MAX_MPLS_LABELS], // mplsLabels
  [1, 1], // mplsCount
  // Enriched columns, written on the main thread by the enricher.
  [4, 1], // inIfSpeed
  [4, 1], // outIfSpeed
  [1, 1], // inIfBoundary
  [1, 1], // outIfBoundary
  [2, 1], // srcCountry
  [2, 1], // dstCountry
  [4, STRING_COLUMNS.length], // stringIds
];

// align rounds byte offsets up to 8 so that every view is aligned.
function align(n: number): number {
  return (n + 7) & ~7;
}

/**
 * FlowBatch holds decoded flows column by column in typed arrays: decoders
 * write the row at `length` and call `commit()`; no object is made per flow.
 * Addresses take 16 bytes per row (IPv4 as ::ffff:a.b.c.d). A column left
 * untouched by a decoder stays 0 for that row (`begin()` clears the row).
 * Column names follow the flow schema (camelCase of SrcAddr, InIf, ...).
 *
 * The enriched columns (interface speeds and boundaries, countries, and the
 * string ids of STRING_COLUMNS) are left to the enricher on the main thread,
 * which writes every one of them for every row: `begin()` does not clear
 * them (workers never read them, and decoding stays as fast); a worker
 * reusing a buffer calls `clearEnriched()` once, so batches leave workers
 * with these columns at 0.
 */
export class FlowBatch {
  /** capacity is the number of rows the batch holds before `onFull` runs. */
  readonly capacity: number;
  /** length is the number of committed rows. */
  length: number;
  /** onFull is called by `commit()` when the batch is full; it must empty it (`clear()`). */
  onFull: ((batch: FlowBatch) => void) | null;
  /** buffer holds every column. */
  readonly buffer: ArrayBuffer;
  // addr32 spans the six address columns, which are laid out one after
  // the other: begin() clears a row's addresses with 24 word stores, about
  // twice as fast as six fill() calls (measured with the sFlow benchmark).
  private readonly addr32: Uint32Array;
  // enriched spans the enriched columns, which are laid out last.
  private readonly enriched: Uint8Array;

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
  readonly inIfSpeed: Uint32Array; // Mbps
  readonly outIfSpeed: Uint32Array;
  readonly inIfBoundary: Uint8Array; // 0 undefined, 1 external, 2 internal (the schema's Enum8)
  readonly outIfBoundary: Uint8Array;
  readonly srcCountry: Uint16Array; // two ASCII letters (first one in the high byte), 0 = unknown
  readonly dstCountry: Uint16Array;
  /** stringIds holds STRING_COUNT string ids per row (row i at i * STRING_COUNT, STRING_INDEX order). */
  readonly stringIds: Uint32Array;

  /**
   * The columns are views over one ArrayBuffer (`buffer`), so that a whole
   * batch crosses a thread boundary as one transferred object. Pass a buffer
   * received from another thread to rebuild the views over it.
   */
  constructor(capacity: number, buffer?: ArrayBuffer) {
    this.capacity = capacity;
    this.length = 0;
    this.onFull = null;
    const size = FlowBatch.byteLength(capacity);
    if (buffer !== undefined && buffer.byteLength !== size) {
      throw new RangeError(`flow batch buffer: expected ${size} bytes, got ${buffer.byteLength}`);
    }
    this.buffer = buffer ?? new ArrayBuffer(size);
    let offset = 0;
    const view = <T>(ctor: { new (b: ArrayBuffer, o: number, n: number): T; BYTES_PER_ELEMENT: number }, n: number): T => {
      const v = new ctor(this.buffer, offset, n);
      offset += align(n * ctor.BYTES_PER_ELEMENT);
      return v;
    };
    this.timeReceived = view(Uint32Array, capacity);
    this.timeFlowStartMs = view(Float64Array, capacity);
    this.timeFlowEndMs = view(Float64Array, capacity);
    this.samplingRate = view(Uint32Array, capacity);
    const addrStart = offset;
    this.exporterAddress = view(Uint8Array, capacity * 16);
    this.srcAddr = view(Uint8Array, capacity * 16);
    this.dstAddr = view(Uint8Array, capacity * 16);
    this.nextHop = view(Uint8Array, capacity * 16);
    this.srcAddrNAT = view(Uint8Array, capacity * 16);
    this.dstAddrNAT = view(Uint8Array, capacity * 16);
    this.addr32 = new Uint32Array(this.buffer, addrStart, capacity * 4 * 6);
    this.srcNetMask = view(Uint8Array, capacity);
    this.dstNetMask = view(Uint8Array, capacity);
    this.srcAS = view(Uint32Array, capacity);
    this.dstAS = view(Uint32Array, capacity);
    this.inIf = view(Uint32Array, capacity);
    this.outIf = view(Uint32Array, capacity);
    this.srcVlan = view(Uint16Array, capacity);
    this.dstVlan = view(Uint16Array, capacity);
    this.eType = view(Uint16Array, capacity);
    this.proto = view(Uint8Array, capacity);
    this.srcPort = view(Uint16Array, capacity);
    this.dstPort = view(Uint16Array, capacity);
    this.srcPortNAT = view(Uint16Array, capacity);
    this.dstPortNAT = view(Uint16Array, capacity);
    this.bytes = view(Float64Array, capacity);
    this.packets = view(Float64Array, capacity);
    this.forwardingStatus = view(Uint8Array, capacity);
    this.flowDirection = view(Uint8Array, capacity);
    this.ipTTL = view(Uint8Array, capacity);
    this.ipTos = view(Uint8Array, capacity);
    this.ipv6FlowLabel = view(Uint32Array, capacity);
    this.ipFragmentID = view(Uint32Array, capacity);
    this.ipFragmentOffset = view(Uint16Array, capacity);
    this.tcpFlags = view(Uint16Array, capacity);
    this.icmpType = view(Uint8Array, capacity);
    this.icmpCode = view(Uint8Array, capacity);
    this.srcMAC = view(Float64Array, capacity);
    this.dstMAC = view(Float64Array, capacity);
    this.mplsLabels = view(Uint32Array, capacity * MAX_MPLS_LABELS);
    this.mplsCount = view(Uint8Array, capacity);
    const enrichedStart = offset;
    this.inIfSpeed = view(Uint32Array, capacity);
    this.outIfSpeed = view(Uint32Array, capacity);
    this.inIfBoundary = view(Uint8Array, capacity);
    this.outIfBoundary = view(Uint8Array, capacity);
    this.srcCountry = view(Uint16Array, capacity);
    this.dstCountry = view(Uint16Array, capacity);
    this.stringIds = view(Uint32Array, capacity * STRING_COUNT);
    this.enriched = new Uint8Array(this.buffer, enrichedStart, offset - enrichedStart);
    if (offset !== size) throw new RangeError(`flow batch layout: ${offset} bytes used, ${size} expected`);
  }

  /** byteLength is the size of the buffer holding a batch of `capacity` rows. */
  static byteLength(capacity: number): number {
    let total = 0;
    for (const [bytes, perRow] of LAYOUT) total += align(capacity * perRow * bytes);
    return total;
  }

  /** begin clears the row at `length` so a decoder can fill it. */
  begin(): number {
    const i = this.length;
    this.timeReceived[i] = 0;
    this.timeFlowStartMs[i] = 0;
    this.timeFlowEndMs[i] = 0;
    this.samplingRate[i] = 0;
    const a32 = this.addr32;
    const stride = this.capacity * 4;
    for (let c = 0, w = i * 4; c < 6; c++, w += stride) {
      a32[w] = 0;
      a32[w + 1] = 0;
      a32[w + 2] = 0;
      a32[w + 3] = 0;
    }
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

  /** stringId returns the string id of column `c` at row `i` (tests, debugging: not for hot paths). */
  stringId(i: number, c: StringColumn): number {
    return this.stringIds[i * STRING_COUNT + STRING_INDEX[c]]!;
  }

  /** setStringId sets the string id of column `c` at row `i` (tests: not for hot paths). */
  setStringId(i: number, c: StringColumn, id: number): void {
    this.stringIds[i * STRING_COUNT + STRING_INDEX[c]] = id;
  }

  /** clearEnriched zeroes the enriched columns of every row (one memset). */
  clearEnriched(): void {
    this.enriched.fill(0);
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
