// SPDX-License-Identifier: AGPL-3.0-only
//
// Helpers of the prefix tables over 128-bit keys held as four big-endian
// 32-bit words.

/**
 * gallop returns the last j in [from, hi] for which ok(j) holds, given that
 * ok(from) holds and ok is true then false: a crowded slot (all of IPv4
 * under ::/16) is crossed in log steps instead of one step per range.
 */
export function gallop(from: number, hi: number, ok: (j: number) => boolean): number {
  let lo = from;
  let step = 1;
  while (lo + step <= hi && ok(lo + step)) {
    lo += step;
    step *= 2;
  }
  let top = Math.min(lo + step - 1, hi);
  while (lo < top) {
    const mid = (lo + top + 1) >>> 1;
    if (ok(mid)) lo = mid;
    else top = mid - 1;
  }
  return lo;
}

/** isMapped tells whether the 16 bytes at `off` are an IPv4-mapped address (::ffff:a.b.c.d). */
export function isMapped(addr: Uint8Array, off: number): boolean {
  return (
    addr[off + 10] === 0xff &&
    addr[off + 11] === 0xff &&
    (addr[off]! | addr[off + 1]! | addr[off + 2]! | addr[off + 3]! | addr[off + 4]! |
      addr[off + 5]! | addr[off + 6]! | addr[off + 7]! | addr[off + 8]! | addr[off + 9]!) === 0
  );
}

/** keyLE tells whether the key at keys[i..i+3] is <= the address words, comparing from word w. */
export function keyLE(keys: Uint32Array, i: number, w: number, a0: number, a1: number, a2: number, a3: number): boolean {
  let k: number;
  if (w === 0) {
    k = keys[i]!;
    if (k !== a0) return k < a0;
  }
  if (w <= 1) {
    k = keys[i + 1]!;
    if (k !== a1) return k < a1;
  }
  if (w <= 2) {
    k = keys[i + 2]!;
    if (k !== a2) return k < a2;
  }
  return keys[i + 3]! <= a3;
}

/** grow returns a copy of a typed array with room for `size` elements. */
export function grow<T extends Int32Array | Uint32Array | Uint8Array>(a: T, size: number): T {
  const out = new (a.constructor as new (n: number) => T)(size);
  out.set(a);
  return out;
}
