// SPDX-License-Identifier: AGPL-3.0-only

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

/**
 * StringTable interns the strings that enrichment writes into flow batches
 * (names, descriptions, classifications): batch columns hold u32 ids and
 * the protobuf encoder turns an id back into UTF-8 bytes without encoding
 * text per flow. Id 0 is the empty string. Strings are never removed: the
 * set of names an inlet sees is small and slowly changing, and `size` is
 * exported as a metric to watch it.
 */
export class StringTable {
  private readonly ids = new Map<string, number>([['', 0]]);
  private readonly texts: string[] = [''];
  private readonly utf8: Uint8Array[] = [EMPTY];
  private used = 0;
  /**
   * arena holds the UTF-8 bytes of every string, string `id` at
   * starts[id] for lengths[id] bytes: the encoder copies from this one
   * array (monomorphic, no call per field). Growing replaces the arrays.
   */
  arena = new Uint8Array(4096);
  /** starts gives where each string begins in `arena`. */
  starts = new Uint32Array(256);
  /** lengths gives the byte length of each string. */
  lengths = new Uint32Array(256);

  /** size is the number of interned strings, the empty one included. */
  get size(): number {
    return this.texts.length;
  }

  /** intern returns the id of `s`, adding it when new. */
  intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.texts.length;
      this.ids.set(s, id);
      this.texts.push(s);
      const bytes = encoder.encode(s);
      this.utf8.push(bytes);
      this.store(id, bytes);
    }
    return id;
  }

  // store appends the bytes of string `id` to the arena.
  private store(id: number, bytes: Uint8Array): void {
    if (id >= this.starts.length) {
      const starts = new Uint32Array(this.starts.length * 2);
      starts.set(this.starts);
      this.starts = starts;
      const lengths = new Uint32Array(this.lengths.length * 2);
      lengths.set(this.lengths);
      this.lengths = lengths;
    }
    if (this.used + bytes.length > this.arena.length) {
      const arena = new Uint8Array(Math.max(this.arena.length * 2, this.used + bytes.length));
      arena.set(this.arena.subarray(0, this.used));
      this.arena = arena;
    }
    this.arena.set(bytes, this.used);
    this.starts[id] = this.used;
    this.lengths[id] = bytes.length;
    this.used += bytes.length;
  }

  /** bytes returns the UTF-8 bytes of an id (empty for an unknown id). */
  bytes(id: number): Uint8Array {
    return this.utf8[id] ?? EMPTY;
  }

  /** text returns the string of an id ('' for an unknown id). */
  text(id: number): string {
    return this.texts[id] ?? '';
  }
}

/**
 * STRINGS is the process-wide table shared by the enricher, which writes
 * ids, and the encoders, which read them: ids must mean the same string on
 * both sides, and both run on the main thread.
 */
export const STRINGS = new StringTable();
