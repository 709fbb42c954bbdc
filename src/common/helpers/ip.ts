// SPDX-License-Identifier: AGPL-3.0-only
import { isIPv4, isIPv6 } from 'node:net';

/**
 * parseIP turns an IPv4 or IPv6 address into 16 bytes (IPv4 mapped as
 * ::ffff:a.b.c.d), or returns null when the text is not an address.
 */
export function parseIP(text: string): Uint8Array | null {
  const out = new Uint8Array(16);
  if (isIPv4(text)) {
    out[10] = 0xff;
    out[11] = 0xff;
    const parts = text.split('.');
    for (let i = 0; i < 4; i++) out[12 + i] = Number(parts[i]);
    return out;
  }
  if (!isIPv6(text)) return null;
  let t = text;
  const zone = t.indexOf('%');
  if (zone >= 0) t = t.slice(0, zone);
  // A trailing dotted quad stands for the last two words.
  const lastColon = t.lastIndexOf(':');
  const tail = t.slice(lastColon + 1);
  if (tail.includes('.')) {
    const b = tail.split('.').map(Number);
    t = `${t.slice(0, lastColon + 1)}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, rest] = t.split('::') as [string, string | undefined];
  const hw = head === '' ? [] : head.split(':').map((x) => parseInt(x, 16));
  const rw = rest === undefined || rest === '' ? [] : rest.split(':').map((x) => parseInt(x, 16));
  const words =
    rest === undefined ? hw : [...hw, ...new Array<number>(8 - hw.length - rw.length).fill(0), ...rw];
  for (let i = 0; i < 8; i++) {
    out[i * 2] = (words[i]! >> 8) & 0xff;
    out[i * 2 + 1] = words[i]! & 0xff;
  }
  return out;
}

/** isIPv4Mapped tells whether the 16 bytes at `off` hold an IPv4-mapped address. */
export function isIPv4Mapped(buf: Uint8Array, off: number): boolean {
  for (let i = 0; i < 10; i++) if (buf[off + i] !== 0) return false;
  return buf[off + 10] === 0xff && buf[off + 11] === 0xff;
}

/**
 * formatIP renders the 16 bytes at `off` as text: dotted quad for IPv4-mapped
 * addresses, RFC 5952 compressed form otherwise. Not for the hot path.
 */
export function formatIP(buf: Uint8Array, off = 0): string {
  if (isIPv4Mapped(buf, off)) {
    return `${buf[off + 12]}.${buf[off + 13]}.${buf[off + 14]}.${buf[off + 15]}`;
  }
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((buf[off + i * 2]! << 8) | buf[off + i * 2 + 1]!);
  // Longest run of at least two zero words is compressed (RFC 5952 §4.2).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * writeIPv4Mapped stores the 4 bytes at `src[off]` as ::ffff:a.b.c.d in the
 * 16 bytes at `dst[at]`, whose first 10 bytes must already be zero (decoders
 * write into rows that FlowBatch.begin() cleared).
 */
export function writeIPv4Mapped(dst: Uint8Array, at: number, src: Uint8Array, off: number): void {
  dst[at + 10] = 0xff;
  dst[at + 11] = 0xff;
  dst[at + 12] = src[off]!;
  dst[at + 13] = src[off + 1]!;
  dst[at + 14] = src[off + 2]!;
  dst[at + 15] = src[off + 3]!;
}
