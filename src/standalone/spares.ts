// SPDX-License-Identifier: AGPL-3.0-only

/**
 * Spares keeps large objects (the sink's blocks) for
 * reuse, so that the flow path does not allocate and drop tens of megabytes
 * per block: each such allocation is memory the garbage collector must
 * account and come back for (measured: about two full collections a second
 * at 250,000 flows/s, on the main thread and its helpers), and fresh pages
 * the kernel must zero. Spares idle for `idleMs` are given up, so that a
 * burst does not hold its memory forever.
 */
export class Spares<T> {
  readonly #max: number;
  readonly #idleMs: number;
  readonly #size: (item: T) => number;
  #items: Array<{ item: T; at: number }> = [];

  /** `max` bounds the spares kept, `size` tells the capacity of one; one given up is left to the garbage collector. */
  constructor(options: { max: number; idleMs: number; size: (item: T) => number }) {
    this.#max = options.max;
    this.#idleMs = options.idleMs;
    this.#size = options.size;
  }

  /** length is the number of spares kept. */
  get length(): number {
    return this.#items.length;
  }

  /** take returns the smallest spare of at least `size`, or undefined. */
  take(size = 0): T | undefined {
    let best = -1;
    for (let i = 0; i < this.#items.length; i++) {
      const s = this.#size(this.#items[i]!.item);
      if (s >= size && (best < 0 || s < this.#size(this.#items[best]!.item))) best = i;
    }
    if (best < 0) return undefined;
    return this.#items.splice(best, 1)[0]!.item;
  }

  /** give keeps `item` for reuse; beyond `max` spares, the smallest is given up. */
  give(item: T, now = Date.now()): void {
    this.#items.push({ item, at: now });
    if (this.#items.length <= this.#max) return;
    let smallest = 0;
    for (let i = 1; i < this.#items.length; i++) {
      if (this.#size(this.#items[i]!.item) < this.#size(this.#items[smallest]!.item)) smallest = i;
    }
    this.#items.splice(smallest, 1);
  }

  /** trim gives up the spares idle for longer than `idleMs`. */
  trim(now = Date.now()): void {
    this.#items = this.#items.filter((s) => now - s.at <= this.#idleMs);
  }

  /** clear gives up every spare. */
  clear(): void {
    this.#items = [];
  }
}
