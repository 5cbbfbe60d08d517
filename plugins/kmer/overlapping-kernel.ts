/**
 * Runs overlapping-kernel.wat (overlapping k-mers, stride 1, head truncation) over rows of
 * packed sequences: chunks of rows are copied into the module's memory, encoded there, and
 * their ids copied out. A row the kernel declines (a byte other than A/C/G/T) goes to the
 * caller's general tokenizer, written in place in the chunk.
 */
import type { TokenizerSpec } from '../../src/plugin-api/index.js';
import { BASE_CODE } from './base-codes.js';
import { WASM_BASE64 } from './overlapping-kernel-wasm.js';
import type { PackedSequences } from './packed-sequences.js';

// es2023's lib has no WebAssembly types (the DOM lib has them): what is used here.
declare const WebAssembly: {
  Module: new (binary: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};

interface KernelExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  encodeRows(
    sequences: number,
    offsets: number,
    row: number,
    rows: number,
    out: number,
    maxTokens: number,
    k: number,
    cls: number,
  ): number;
}

/** Where the module's memory starts after its 256-byte base-code table. */
const TABLE_BYTES = 256;
/** A chunk's ids stay this small, so they are still in cache when copied out. */
const CHUNK_ID_BYTES = 256 << 10;
/** And its sequences this small, unless one row is longer on its own (then only its head is copied). */
const CHUNK_SEQUENCE_BYTES = 1 << 20;
const PAGE_BYTES = 64 << 10;

let kernel: KernelExports | undefined;

/** One instance per thread, made on first use (a synchronous compile of a few hundred bytes). */
function instance(): KernelExports {
  if (!kernel) {
    const module = new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64'));
    kernel = new WebAssembly.Instance(module).exports as unknown as KernelExports;
    new Uint8Array(kernel.memory.buffer, 0, TABLE_BYTES).set(BASE_CODE);
  }
  return kernel;
}

/** Writes a row of ids at `into[at...]` with the general tokenizer. */
export type GeneralRow = (row: number, into: Int32Array, at: number) => void;

/**
 * Rows [first, end) of `packed`, each `spec.maxTokens` ids, at `out[outOffset...]`. `spec`
 * must be overlapping, stride 1, head.
 */
export function overlappingRows(
  { bytes, offsets }: PackedSequences,
  first: number,
  end: number,
  spec: TokenizerSpec,
  out: Int32Array,
  outOffset: number,
  general: GeneralRow,
): void {
  const { maxTokens, k } = spec;
  const { memory, encodeRows } = instance();
  const chunkRows = Math.max(1, Math.floor(CHUNK_ID_BYTES / 4 / maxTokens));
  const cls = spec.addCls ? 1 : 0;
  for (let r = first; r < end; ) {
    let stop = Math.min(end, r + chunkRows);
    while (stop > r + 1 && offsets[stop]! - offsets[r]! > CHUNK_SEQUENCE_BYTES) stop = r + ((stop - r) >> 1);
    const rows = stop - r;
    const start = offsets[r]!;
    // A row is never read past its first k - 1 + maxTokens bases.
    const span = rows === 1 ? Math.min(offsets[stop]! - start, k - 1 + maxTokens) : offsets[stop]! - start;
    const offsetsAt = TABLE_BYTES;
    const sequencesAt = offsetsAt + 4 * (rows + 1);
    const idsAt = (sequencesAt + span + 3) & ~3;
    const needed = idsAt + 4 * rows * maxTokens;
    if (memory.buffer.byteLength < needed) {
      memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE_BYTES));
    }
    const rowOffsets = new Int32Array(memory.buffer, offsetsAt, rows + 1);
    for (let i = 0; i <= rows; i++) rowOffsets[i] = Math.min(offsets[r + i]! - start, span);
    new Uint8Array(memory.buffer, sequencesAt, span).set(bytes.subarray(start, start + span));
    const ids = new Int32Array(memory.buffer, idsAt, rows * maxTokens);
    for (let from = 0; ; from++) {
      from = encodeRows(sequencesAt, offsetsAt, from, rows, idsAt, maxTokens, k, cls);
      if (from === rows) break;
      general(r + from, ids, from * maxTokens);
    }
    out.set(ids, outOffset + (r - first) * maxTokens);
    r = stop;
  }
}
