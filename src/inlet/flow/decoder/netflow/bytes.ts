// SPDX-License-Identifier: AGPL-3.0-only
//
// Big-endian reads shared by the parsers. Callers check bounds first.
import { writeIPv4Mapped } from '../../../../common/helpers/ip.ts';

// Seconds between the NTP epoch (1900) and the Unix epoch (RFC 7011 §6.1.10).
const NTP_OFFSET = 2208988800;

/** uint reads a big-endian unsigned integer of 1 to 8 bytes (reduced-size encoding). */
export function uint(b: Uint8Array, p: number, len: number): number {
  switch (len) {
    case 1:
      return b[p]!;
    case 2:
      return (b[p]! << 8) | b[p + 1]!;
    case 4:
      return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
    case 8:
      return (
        (((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0) * 4294967296 +
        (((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0)
      );
    default: {
      let v = 0;
      for (let k = 0; k < len; k++) v = v * 256 + b[p + k]!;
      return v;
    }
  }
}

/** ntpMs converts an NTP timestamp (RFC 5905 §6) to unix milliseconds; 0 stays 0. */
export function ntpMs(b: Uint8Array, p: number): number {
  const sec = uint(b, p, 4);
  if (sec === 0) return 0;
  return (sec - NTP_OFFSET) * 1000 + Math.floor((uint(b, p + 4, 4) * 1000) / 4294967296);
}

/** put4 writes an IPv4 address as IPv4-mapped IPv6 into 16 bytes at `dst[a]`. */
export const put4 = writeIPv4Mapped;

/** put16 copies 16 bytes. */
export function put16(dst: Uint8Array, a: number, b: Uint8Array, p: number): void {
  for (let k = 0; k < 16; k++) dst[a + k] = b[p + k]!;
}

/** zero tells whether the `len` bytes at `b[p]` are all zero. */
export function zero(b: Uint8Array, p: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (b[p + k] !== 0) return false;
  return true;
}
