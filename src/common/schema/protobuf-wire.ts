// SPDX-License-Identifier: AGPL-3.0-only

/*
 * Protobuf wire format (https://protobuf.dev/programming-guides/encoding/):
 * each field is a tag varint (field number << 3 | wire type) then the value:
 * wire type 0 is a varint, 2 is a length-delimited byte string. Proto3 omits
 * zero values. Messages are written length-delimited (a varint length, then
 * the message), many per Kafka message, as ClickHouse's Protobuf format
 * with length delimiters reads them.
 */

/** VARINT is the wire type of integers. */
export const VARINT = 0;
/** LEN is the wire type of byte strings and packed repeated fields. */
export const LEN = 2;

/** MAX_STRING_BYTES bounds one string field of a message; longer strings are cut (at a UTF-8 boundary). */
export const MAX_STRING_BYTES = 255;

/**
 * MAX_MESSAGE_SIZE bounds one encoded flow with its length prefix (every
 * column at its widest): about 400 bytes of numbers and addresses plus 28
 * strings of at most MAX_STRING_BYTES. The encoder checks the schema's
 * widest flow against it.
 */
export const MAX_MESSAGE_SIZE = 8192;

/** utf8Cut returns the largest length <= max of the string at text[from...] that does not split a UTF-8 character. */
export function utf8Cut(text: Uint8Array, from: number, max: number): number {
  let n = max;
  while (n > 0 && (text[from + n]! & 0xc0) === 0x80) n--;
  return n;
}

/** writeVarint writes a non-negative integer (up to 2^53) as a varint and returns the new offset. */
export function writeVarint(out: Uint8Array, off: number, v: number): number {
  // Bit operations only hold 32 bits: larger values step down by division.
  while (v > 0x7fffffff) {
    out[off++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  while (v > 0x7f) {
    out[off++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[off++] = v;
  return off;
}

/** varintSize is the number of bytes writeVarint uses for `v`. */
export function varintSize(v: number): number {
  let n = 1;
  while (v > 0x7f) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}
