// SPDX-License-Identifier: AGPL-3.0-only

/** MAX_DATAGRAM is the largest datagram the demo sends: under a 1500-byte MTU with room for tunnels. */
export const MAX_DATAGRAM = 1400;

/**
 * SetPacker packs NetFlow v9 and IPFIX sets into datagrams of at most
 * MAX_DATAGRAM bytes. Both formats are a header followed by sets, each a
 * 16-bit ID and a 16-bit length, padded to 32 bits (RFC 3954 §5.3, RFC 7011
 * §3.3.1). The packer opens a set, lets the encoder write records through
 * `view` at `pos`, starts a new datagram when a record does not fit, and
 * calls `finish` to write each datagram's header once its size and record
 * counts are known.
 */
export class SetPacker {
  view: DataView;
  buf: Buffer;
  pos: number;
  readonly #headerSize: number;
  readonly #finish: (p: SetPacker, records: number, dataRecords: number) => void;
  readonly #out: Buffer[] = [];
  #setStart = -1;
  #setId = -1;
  #records = 0;
  #dataRecords = 0;

  constructor(headerSize: number, finish: (p: SetPacker, records: number, dataRecords: number) => void) {
    this.#headerSize = headerSize;
    this.#finish = finish;
    this.buf = Buffer.alloc(MAX_DATAGRAM);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.pos = headerSize;
  }

  /**
   * record makes room for a record of `length` bytes in a set of ID `setId`
   * (opening the set, or a new datagram, when needed); the caller then
   * writes it at `pos` and adds `length` to `pos`. `data` tells whether it
   * is a data record (IPFIX sequence numbers count those only).
   */
  record(setId: number, length: number, data: boolean): void {
    const need = (this.#setId === setId ? 0 : 4) + length + 3;
    if (this.pos + need > MAX_DATAGRAM) this.#next();
    if (this.#setId !== setId) {
      this.#closeSet();
      this.#setStart = this.pos;
      this.#setId = setId;
      this.view.setUint16(this.pos, setId);
      this.pos += 4;
    }
    this.#records++;
    if (data) this.#dataRecords++;
  }

  /** done finishes the last datagram and returns every datagram packed. */
  done(): Buffer[] {
    if (this.#records > 0) this.#next();
    return this.#out.splice(0);
  }

  #closeSet(): void {
    if (this.#setStart < 0) return;
    while ((this.pos - this.#setStart) % 4 !== 0) this.buf[this.pos++] = 0;
    this.view.setUint16(this.#setStart + 2, this.pos - this.#setStart);
    this.#setStart = -1;
    this.#setId = -1;
  }

  #next(): void {
    this.#closeSet();
    this.#finish(this, this.#records, this.#dataRecords);
    this.#out.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.alloc(MAX_DATAGRAM);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.pos = this.#headerSize;
    this.#records = 0;
    this.#dataRecords = 0;
  }
}
