/**
 * K-mer counting kernels: a rolling 2-bit window over bytes (k <= 31, the code held as two
 * 32-bit halves), canonical = the smaller of the k-mer and its reverse complement, k-mers
 * with N or another IUPAC code skipped (as jellyfish does).
 */
import { AMBIGUOUS, BASE_CODE, InvalidBaseError } from './base-codes.js';
import type { KmerTables } from './kmer-table.js';
import type { PackedSequences } from './packed-sequences.js';

export const MAX_COUNT_K = 31;
const SIGN = -0x80000000;
/** Dense spectra have 4^k entries. */
export const MAX_SPECTRUM_K = 12;

/**
 * Stages the k-mers of every packed sequence in `tables` (see kmer-table.ts): each k-mer's
 * code splits into its bucket (top bits) and suffix. `rowStarts` says where each row starts
 * in its sequence when rows are pieces of longer ones (for the position of a bad base).
 */
export function countKmers(
  tables: KmerTables,
  packed: PackedSequences,
  canonical: boolean,
  rowStarts?: Uint32Array,
): void {
  const { bytes, offsets } = packed;
  const { k, suffixBits } = tables;
  // All int32 arithmetic: the code is `hi` (bits 32 and up) and `lo`; low halves compare
  // unsigned via the sign flip.
  const loMask = k >= 16 ? -1 : 4 ** k - 1;
  const hiMask = k > 16 ? 4 ** (k - 16) - 1 : 0;
  const top = 2 * k - 2;
  // The bucket is the code's top bits (code >>> suffixBits, from hi, lo or both); the
  // suffix is what lies below them.
  const hiShift = (32 - suffixBits) & 31;
  const suffixHiMask = suffixBits > 32 ? 2 ** (suffixBits - 32) - 1 : 0;
  const suffixLoMask = suffixBits >= 32 ? -1 : 2 ** suffixBits - 1;
  for (let r = 0; r + 1 < offsets.length; r++) {
    const start = offsets[r]!;
    const end = offsets[r + 1]!;
    let hi = 0;
    let lo = 0;
    let rhi = 0;
    let rlo = 0;
    let run = 0;
    for (let i = start; i < end; i++) {
      const c = BASE_CODE[bytes[i]!]!;
      if (c >= 4) {
        if (c === AMBIGUOUS) {
          run = 0;
          continue;
        }
        throw new InvalidBaseError(r, i - start + (rowStarts?.[r] ?? 0), bytes[i]!);
      }
      hi = ((hi << 2) | (lo >>> 30)) & hiMask;
      lo = ((lo << 2) | c) & loMask;
      if (canonical) {
        rlo = (rlo >>> 2) | ((rhi & 3) << 30);
        rhi >>>= 2;
        if (top >= 32) rhi |= (3 - c) << (top - 32);
        else rlo |= (3 - c) << top;
      }
      if (++run < k) continue;
      let khi = hi;
      let klo = lo;
      if (canonical) {
        // The smaller of the two, chosen by mask: a branch here would be mispredicted for
        // every other k-mer. High halves are below 2^30, so their difference cannot overflow.
        let d = rhi - hi;
        if (d === 0) d = (rlo ^ SIGN) < (lo ^ SIGN) ? -1 : 0;
        const smaller = d >> 31;
        khi = (rhi & smaller) | (hi & ~smaller);
        klo = (rlo & smaller) | (lo & ~smaller);
      }
      const bucket = suffixBits >= 32 ? khi >>> (suffixBits - 32) : (khi << hiShift) | (klo >>> suffixBits);
      tables.stage(bucket, khi & suffixHiMask, klo & suffixLoMask);
    }
  }
}

/**
 * A dense spectrum per packed sequence (k <= 12), row-major `rows x 4^k`: raw counts, or
 * each row divided by its number of k-mers when `normalize`.
 */
export function spectra(
  packed: PackedSequences,
  k: number,
  canonical: boolean,
  normalize: boolean,
): Uint32Array | Float32Array {
  const { bytes, offsets } = packed;
  const rows = offsets.length - 1;
  const width = 4 ** k;
  const counts = new Uint32Array(rows * width);
  const mask = width - 1;
  const top = 2 * k - 2;
  const totals = new Uint32Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = r * width;
    let code = 0;
    let rc = 0;
    let run = 0;
    for (let i = offsets[r]!; i < offsets[r + 1]!; i++) {
      const c = BASE_CODE[bytes[i]!]!;
      if (c >= 4) {
        if (c === AMBIGUOUS) {
          run = 0;
          continue;
        }
        throw new InvalidBaseError(r, i - offsets[r]!, bytes[i]!);
      }
      code = ((code << 2) | c) & mask;
      rc = (rc >>> 2) | ((3 - c) << top);
      if (++run < k) continue;
      counts[base + (canonical && rc < code ? rc : code)]!++;
      totals[r]!++;
    }
  }
  if (!normalize) return counts;
  const frequencies = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const total = totals[r]!;
    if (total === 0) continue;
    for (let j = r * width; j < (r + 1) * width; j++) frequencies[j] = counts[j]! / total;
  }
  return frequencies;
}
