// SPDX-License-Identifier: AGPL-3.0-only
// Code generation for the protobuf encoder: a scan of a batch's rows that
// tells which fields are set and how wide their values get, and a writer
// specialized for one such shape (fields absent from the whole batch cost
// nothing, tags are constants, varints have a fixed width or no branch per
// byte).
import { FlowBatch, MAX_MPLS_LABELS, STRING_COUNT, STRING_INDEX } from '../../inlet/flow/batch.ts';
import {
  OP_ADDR,
  OP_COUNTRY,
  OP_DIRECTION,
  OP_F64,
  OP_ICMP4_CODE,
  OP_ICMP4_TYPE,
  OP_ICMP6_CODE,
  OP_ICMP6_TYPE,
  OP_MPLS,
  OP_STRINGS,
  SOURCES,
  STRING_SOURCES,
} from './protobuf-sources.ts';
import { LEN, MAX_STRING_BYTES, VARINT, varintSize, writeVarint } from './protobuf-wire.ts';
import type { Schema } from './root.ts';

/**
 * OVERRUN is how far past the end of a message the writers may store bytes
 * (copies of whole words), to be overwritten by what comes next.
 */
export const OVERRUN = 16;

/** Field is one protobuf field of the schema and where its value comes from. */
export interface Field {
  kind: number;
  /** tag is the field's tag varint (number << 3 | wire type). */
  tag: number;
  /** column returns the batch column holding the field (stringIds for strings). */
  column: (b: FlowBatch) => ArrayLike<number>;
  /** slot is the STRING_INDEX position of a string field, -1 otherwise. */
  slot: number;
  /** maxSize is the widest the field gets, tag included. */
  maxSize: number;
  /** elementSize is the size of the column's elements in bytes. */
  elementSize: number;
}

/**
 * Widths: what the scan found for a field over a batch's rows, and how the
 * writer writes it. ABSENT fields are left out. Integer fields get W1 when
 * their values fit one byte, W2 two, W5 otherwise (32 bits, up to 5
 * bytes); the other fields are PRESENT (Float64 values are checked row by
 * row for 32 bits).
 */
export const ABSENT = 0;
export const W1 = 1;
export const W2 = 2;
export const W5 = 3;
export const PRESENT = 1;

/** fieldsOf lists the schema's protobuf fields that the batch carries, in field number order. */
export function fieldsOf(schema: Schema): Field[] {
  const fields: Field[] = [];
  for (const c of schema.protobufColumns) {
    const number = c.protobuf!.number;
    const stringColumn = STRING_SOURCES[c.name];
    if (stringColumn !== undefined) {
      const tag = (number << 3) | LEN;
      fields.push({ kind: OP_STRINGS, tag, column: (b) => b.stringIds, slot: STRING_INDEX[stringColumn], maxSize: varintSize(tag) + 2 + MAX_STRING_BYTES, elementSize: 4 });
      continue;
    }
    const source = SOURCES[c.name];
    if (source === undefined) continue;
    const kind = source(EMPTY)[0];
    const bytes = kind === OP_ADDR || kind === OP_MPLS || kind === OP_COUNTRY;
    const tag = (number << 3) | (bytes ? LEN : VARINT);
    const value = kind === OP_ADDR ? 17 : kind === OP_MPLS ? 1 + MAX_MPLS_LABELS * 5 : kind === OP_COUNTRY ? 3 : kind === OP_F64 ? 10 : 5;
    const elementSize = (source(EMPTY)[1] as Uint8Array).BYTES_PER_ELEMENT;
    fields.push({ kind, tag, column: (b) => source(b)[1], slot: -1, maxSize: varintSize(tag) + value, elementSize });
  }
  return fields;
}

// LITTLE_ENDIAN tells the order of bytes in typed arrays' words.
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

// EMPTY is a batch of no rows, to read the kinds of SOURCES from.
const EMPTY = new FlowBatch(0);

/**
 * Scan computes, for rows [from, to) of a batch, one figure per field into
 * `acc`, from `w`, the fields' columns as scanWords() gives them: the OR of
 * the values of integer, country and string fields, and for the others 1
 * when any row has the field, else 0. Narrow columns are read a 32-bit
 * word at a time, so rows just outside the range may count (harmless: a
 * field or width too many only makes the writer more general).
 */
export type Scan = (w: ArrayLike<number>[], from: number, to: number, acc: Float64Array) => void;

/**
 * Writer writes rows [from, to) as length-delimited messages into `s` at
 * `off` while the offset is below `limit`, sets `st.next` to the next row
 * and returns the offset after the last message.
 */
export type Writer = (
  c: ArrayLike<number>[],
  w: ArrayLike<number>[],
  eType: Uint16Array,
  proto: Uint8Array,
  mplsCount: Uint8Array,
  s: Uint8Array,
  off: number,
  from: number,
  to: number,
  limit: number,
  st: WriterState,
) => number;

/** WriterState is what writers read and update besides the batch: the pre-encoded strings and the last prefix width. */
export interface WriterState {
  next: number;
  /** prefix is the width (1 or 2) reserved for the next message's length, the last one's. */
  prefix: number;
  /**
   * stringWords holds each string id's length varint and UTF-8 bytes (cut
   * to MAX_STRING_BYTES) from word stringStarts[id], for stringLengths[id]
   * bytes, with at least 16 bytes after the last one.
   */
  stringWords: BigUint64Array;
  stringStarts: Int32Array;
  stringLengths: Uint16Array;
}

/**
 * scanWords returns the column the scan and writer read for a field:
 * integer, direction and country columns of 8 or 16 bits and MPLS counts as
 * 32-bit words over the same bytes, addresses as 32-bit words, the others
 * as they are.
 */
export function scanWords(f: Field, b: FlowBatch): ArrayLike<number> {
  const c = f.column(b) as Uint8Array | Uint16Array | Uint32Array | Float64Array;
  const words = (v: ArrayBufferView) => {
    // The batch's columns are aligned on 8 bytes and padded to it.
    const n = Math.min((v.byteLength + 3) >> 2, (v.buffer.byteLength - v.byteOffset) >> 2);
    return f.kind === OP_ADDR ? new Uint32Array(v.buffer, v.byteOffset, n) : new Int32Array(v.buffer, v.byteOffset, n);
  };
  if (f.kind === OP_MPLS) return words(b.mplsCount);
  if (f.kind === OP_ADDR) return words(c);
  if (f.kind === OP_STRINGS || f.kind === OP_F64 || c.BYTES_PER_ELEMENT === 4) return c;
  return words(c);
}

// orWords ORs words [lo, hi) of a column into `o` with two accumulators.
function orWords(k: number, lo: string, hi: string): string {
  return (
    `const a = w[${k}]; const hi = Math.min(${hi}, a.length); let o0 = 0; let o1 = 0; let x = ${lo}; ` +
    'for (; x + 1 < hi; x += 2) { o0 |= a[x]; o1 |= a[x + 1]; } if (x < hi) o0 |= a[x]; let o = o0 | o1;'
  );
}

/** compileScan generates the scan of a list of fields (null when code generation is disallowed). */
export function compileScan(fields: readonly Field[]): Scan | null {
  const body: string[] = [];
  const strings: number[] = [];
  fields.forEach((f, k) => {
    const size = f.kind === OP_MPLS ? 1 : f.elementSize;
    switch (f.kind) {
      case OP_STRINGS:
        strings.push(k);
        return;
      case OP_F64:
        // Any row: the writers check each value's width (64-bit counters rarely need it).
        body.push(`{ const a = w[${k}]; let o = 0; for (let i = from; i < to; i++) if (a[i] !== 0) { o = 1; break; } acc[${k}] = o; }`);
        return;
      case OP_ADDR:
        body.push(`{ const a = w[${k}]; let o = 0; for (let x = from * 4, e = to * 4; x < e; x++) if (a[x] !== 0) { o = 1; break; } acc[${k}] = o; }`);
        return;
      case OP_DIRECTION:
        // Unknown is 255: any other byte in a word of four.
        body.push(
          `{ const a = w[${k}]; let o = 0; for (let x = from >> 2, e = Math.min((to + 3) >> 2, a.length); x < e; x++) if (a[x] !== -1) { o = 1; break; } acc[${k}] = o; }`,
        );
        return;
      default:
        if (size === 4) body.push(`{ ${orWords(k, 'from', 'to')} acc[${k}] = o >>> 0; }`);
        else if (size === 2) body.push(`{ ${orWords(k, 'from >> 1', '(to + 1) >> 1')} acc[${k}] = (o | (o >>> 16)) & 65535; }`);
        else body.push(`{ ${orWords(k, 'from >> 2', '(to + 3) >> 2')} o |= (o >>> 8) | (o >>> 16) | (o >>> 24); acc[${k}] = o & 255; }`);
    }
  });
  if (strings.length > 0) {
    // The string ids are row by row: one pass over all of them tells
    // whether any is set (not in batches without enrichment), then one
    // pass gives each field's.
    body.push(`{ ${orWords(strings[0]!, `from * ${STRING_COUNT}`, `to * ${STRING_COUNT}`)}`);
    for (const k of strings) body.push(`acc[${k}] = 0;`);
    body.push('if (o !== 0) {');
    body.push(strings.map((k) => `let o${k} = 0;`).join(' '));
    body.push(`for (let i = from; i < to; i++) { const r = i * ${STRING_COUNT};`);
    for (const k of strings) body.push(`o${k} |= a[r + ${fields[k]!.slot}];`);
    body.push('}');
    for (const k of strings) body.push(`acc[${k}] = o${k} >>> 0;`);
    body.push('} }');
  }
  return generate<Scan>('scanFlows', ['w', 'from', 'to', 'acc'], body.join('\n'), []);
}

// tagCode writes a constant tag.
function tagCode(tag: number): string {
  const out = new Uint8Array(5);
  const n = writeVarint(out, 0, tag);
  const stores: string[] = [];
  for (let x = 0; x < n; x++) stores.push(`s[q + ${x}] = ${out[x]};`);
  return `${stores.join(' ')} q += ${n};`;
}

// varintCode writes `v` (not 0) for a width found by the scan.
function varintCode(width: number): string {
  switch (width) {
    case W1:
      return 's[q] = v; q++;';
    case W2:
      // n is 1 when v needs a second byte: (h | -h) has its sign bit set for any h !== 0.
      return '{ const h = v >>> 7; const n = (h | -h) >>> 31; s[q] = (v & 127) | (n << 7); s[q + 1] = h; q += 1 + n; }';
    case W5:
      // Five bytes stored whatever the width, then the last one's
      // continuation bit cleared: no branch per byte. ((bits + 6) * 37) >> 8
      // is (bits + 6) / 7 for bits from 1 to 32.
      return (
        '{ const n = ((38 - Math.clz32(v)) * 37) >> 8; s[q] = v | 128; s[q + 1] = (v >>> 7) | 128; s[q + 2] = (v >>> 14) | 128; ' +
        's[q + 3] = (v >>> 21) | 128; s[q + 4] = v >>> 28; s[q + n - 1] &= 127; q += n; }'
      );
    default:
      throw new RangeError(`protobuf encoder: no varint of width ${width}`);
  }
}

/** compileWriter generates the writer of the fields whose widths are given (null when code generation is disallowed). */
export function compileWriter(fields: readonly Field[], widths: Uint8Array): Writer | null {
  const head: string[] = [
    'const sw = st.stringWords; const ss = st.stringStarts; const sl = st.stringLengths;',
    'const dv = new DataView(s.buffer, s.byteOffset, s.byteLength);',
  ];
  const row: string[] = [];
  let icmp = false;
  let strings = false;
  fields.forEach((f, k) => {
    const width = widths[k]!;
    if (width === ABSENT) return;
    const tag = tagCode(f.tag);
    switch (f.kind) {
      case OP_STRINGS:
        strings = true;
        // Eight bytes at a time (64-bit integers: exact bytes, no
        // allocation once optimized), the first 16 without a loop test: the
        // copy may write up to 15 bytes past the string (OVERRUN).
        row.push(
          `v = ids[r + ${f.slot}]; if (v !== 0) { ${tag} const a = ss[v]; const n = sl[v]; ` +
            `dv.setBigUint64(q, sw[a], ${LITTLE_ENDIAN}); dv.setBigUint64(q + 8, sw[a + 1], ${LITTLE_ENDIAN}); ` +
            `for (let x = 16, k = a + 2; x < n; x += 8, k++) dv.setBigUint64(q + x, sw[k], ${LITTLE_ENDIAN}); q += n; }`,
        );
        return;
      case OP_ADDR: {
        head.push(`const a${k} = w[${k}];`);
        // The words hold the bytes in the machine's order: written back in it.
        const copy: string[] = [];
        for (let x = 0; x < 4; x++) copy.push(`dv.setUint32(q + ${1 + x * 4}, w${x}, ${LITTLE_ENDIAN});`);
        row.push(
          `{ const x = i * 4; const w0 = a${k}[x]; const w1 = a${k}[x + 1]; const w2 = a${k}[x + 2]; const w3 = a${k}[x + 3]; ` +
            `if ((w0 | w1 | w2 | w3) !== 0) { ${tag} s[q] = 16; ${copy.join(' ')} q += 17; } }`,
        );
        return;
      }
      case OP_MPLS:
        head.push(`const c${k} = c[${k}];`);
        row.push(`v = mplsCount[i]; if (v !== 0) { ${tag} q = writeLabels(s, q, c${k}, i, v); }`);
        return;
      case OP_COUNTRY:
        head.push(`const c${k} = c[${k}];`);
        row.push(`v = c${k}[i]; if (v !== 0) { ${tag} s[q] = 2; s[q + 1] = v >>> 8; s[q + 2] = v & 255; q += 3; }`);
        return;
      case OP_DIRECTION:
        head.push(`const c${k} = c[${k}];`);
        row.push(`v = c${k}[i]; if (v !== 255) { ${tag} v += 1; ${varintCode(W2)} }`);
        return;
      case OP_F64:
        head.push(`const c${k} = c[${k}];`);
        row.push(`v = c${k}[i]; if (v !== 0) { ${tag} if (v < 4294967296) ${varintCode(W5)} else q = writeVarint(s, q, v); }`);
        return;
      case OP_ICMP4_TYPE:
      case OP_ICMP4_CODE:
      case OP_ICMP6_TYPE:
      case OP_ICMP6_CODE: {
        icmp = true;
        head.push(`const c${k} = c[${k}];`);
        const family = f.kind === OP_ICMP4_TYPE || f.kind === OP_ICMP4_CODE ? 'et === 2048 && pr === 1' : 'et === 34525 && pr === 58';
        row.push(`if (${family}) { v = c${k}[i]; if (v !== 0) { ${tag} ${varintCode(width)} } }`);
        return;
      }
      default:
        head.push(`const c${k} = c[${k}];`);
        row.push(`v = c${k}[i]; if (v !== 0) { ${tag} ${varintCode(width)} }`);
    }
  });
  if (strings) head.push(`const ids = c[${fields.findIndex((f) => f.kind === OP_STRINGS)}];`);
  const body = [
    ...head,
    'let p = off; let pre = st.prefix; let v = 0; let i = from;',
    'for (; i < to && p < limit; i++) {',
    // The length goes before the message: room for it is kept from the
    // last message's and fixed after (messages of a batch have similar sizes).
    'const start = p; let q = p + pre;',
    icmp ? 'const et = eType[i]; const pr = proto[i];' : '',
    strings ? `const r = i * ${STRING_COUNT};` : '',
    ...row,
    'const len = q - start - pre;',
    'if (len < 128) {',
    '  if (pre !== 1) { s.copyWithin(start + 1, start + 2, q); q--; pre = 1; }',
    '  s[start] = len;',
    '} else {',
    '  if (pre !== 2) { s.copyWithin(start + 2, start + 1, q); q++; pre = 2; }',
    '  s[start] = len | 128; s[start + 1] = len >>> 7;',
    '}',
    'p = q;',
    '}',
    'st.next = i; st.prefix = pre;',
    'return p;',
  ];
  return generate<Writer>('writeFlows', ['c', 'w', 'eType', 'proto', 'mplsCount', 's', 'off', 'from', 'to', 'limit', 'st'], body.join('\n'), [
    ['writeVarint', writeVarint],
    ['writeLabels', writeLabels],
  ]);
}

// writeLabels writes the `n` MPLS labels of row `i` as a packed field (length, then varints).
function writeLabels(s: Uint8Array, q: number, labels: ArrayLike<number>, i: number, n: number): number {
  const base = i * MAX_MPLS_LABELS;
  let len = 0;
  for (let x = 0; x < n; x++) len += varintSize(labels[base + x]!);
  q = writeVarint(s, q, len);
  for (let x = 0; x < n; x++) q = writeVarint(s, q, labels[base + x]!);
  return q;
}

// generate builds a function from its name (seen in profiles), parameters and body, with helpers in scope.
function generate<F>(name: string, params: string[], body: string, helpers: Array<[string, unknown]>): F | null {
  const source = `return function ${name}(${params.join(', ')}) {\n${body}\n};`;
  try {
    const factory = new Function(...helpers.map(([name]) => name), source) as (...h: unknown[]) => F;
    return factory(...helpers.map(([, h]) => h));
  } catch {
    // Code generation disallowed (--disallow-code-generation-from-strings).
    return null;
  }
}
