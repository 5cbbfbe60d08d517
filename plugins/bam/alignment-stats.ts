import { FLAG } from './flags.js';
import type { BamRecord } from './record.js';

/** The summary `bam.stats` gives: samtools stats' SN numbers, plus the GC fraction. */
export interface AlignmentSummary {
  /** Primary records with a SEQ (samtools: raw total sequences). */
  reads: number;
  /** Of those, mapped (samtools: reads mapped). */
  mapped: number;
  unmapped: number;
  /** Paired, both mates mapped and the proper-pair bit set (samtools: reads properly paired). */
  properlyPaired: number;
  duplicates: number;
  /** Secondary records, not counted above (samtools: non-primary alignments). */
  secondary: number;
  /** Supplementary records, not counted above (samtools: supplementary alignments). */
  supplementary: number;
  /** Bases of the counted reads (samtools: total length). */
  bases: number;
  /**
   * Mean base quality over the bases that have qualities. samtools' "average quality" is
   * the same when every read has qualities; it counts a missing QUAL (`*`) as 255 per base.
   */
  meanQuality: number;
  /** G and C over all bases of the counted reads (N and other codes included below). */
  gcFraction: number;
}

const { SECONDARY, SUPPLEMENTARY, PAIRED, PROPER_PAIR, UNMAP, MUNMAP, DUP } = FLAG;

/** G or C in each 4-bit base code (`=ACMGRSVTWYHKDBN`: C is 2, G is 4). */
const isGc = (code: number) => (code === 2 || code === 4 ? 1 : 0);
/** How many of the four bases packed in two SEQ bytes are G or C (one lookup per 2 bytes). */
const GC_PER_PAIR = Uint8Array.from(
  { length: 1 << 16 },
  (_, w) => isGc(w & 15) + isGc((w >> 4) & 15) + isGc((w >> 8) & 15) + isGc(w >> 12),
);
/** Low byte of each 16-bit lane: qualities are summed two at a time in two lanes. */
const LOW_BYTES = 0x00ff00ff;
/** Words summed per lane flush: 128 x 2 x 255 stays below 2^16, so no lane overflows. */
const WORDS_PER_FLUSH = 128;

/** G or C bases among the `bytes` packed SEQ bytes at `at` (padding nibbles are 0, not G/C). */
function gcCount(view: DataView, at: number, bytes: number): number {
  let gc = 0;
  const pairsEnd = at + (bytes & ~1);
  for (let i = at; i < pairsEnd; i += 2) gc += GC_PER_PAIR[view.getUint16(i)]!;
  if (bytes & 1) gc += GC_PER_PAIR[view.getUint8(pairsEnd)]!;
  return gc;
}

/** Sum of the `n` bytes at `at`, four at a time. */
function byteSum(view: DataView, at: number, n: number): number {
  let sum = 0;
  const wordsEnd = at + (n & ~3);
  for (let i = at; i < wordsEnd; ) {
    let lanes = 0;
    for (const end = Math.min(wordsEnd, i + 4 * WORDS_PER_FLUSH); i < end; i += 4) {
      const w = view.getUint32(i);
      lanes += (w & LOW_BYTES) + ((w >>> 8) & LOW_BYTES);
    }
    sum += (lanes & 0xffff) + (lanes >>> 16);
  }
  for (let i = wordsEnd; i < at + n; i++) sum += view.getUint8(i);
  return sum;
}

/** Adds up alignments the way samtools stats does for its summary numbers. */
export class AlignmentStats {
  private reads = 0;
  private mapped = 0;
  private properlyPaired = 0;
  private duplicates = 0;
  private secondary = 0;
  private supplementary = 0;
  private bases = 0;
  private qualitySum = 0;
  private qualityBases = 0;
  private gc = 0;
  private viewed: Buffer | undefined;
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  add(record: BamRecord): void {
    const flag = record.flag;
    if (flag & (SECONDARY | SUPPLEMENTARY)) {
      if (flag & SECONDARY) this.secondary++;
      else this.supplementary++;
      return;
    }
    const n = record.seqLength;
    if (n <= 0) return; // samtools stats skips records without SEQ entirely
    this.reads++;
    this.bases += n;
    if (!(flag & UNMAP)) {
      this.mapped++;
      if ((flag & (PAIRED | PROPER_PAIR | MUNMAP)) === (PAIRED | PROPER_PAIR)) this.properlyPaired++;
    }
    if (flag & DUP) this.duplicates++;
    const view = this.viewOf(record.data);
    const seq = record.seqOffset;
    const at = record.data.byteOffset;
    this.gc += gcCount(view, at + seq, (n + 1) >> 1);
    const qual = record.qualOffset;
    if (record.data[qual] === 0xff) return; // QUAL is `*`
    this.qualitySum += byteSum(view, at + qual, n);
    this.qualityBases += n;
  }

  /** A DataView over the whole memory of `data`, reused while records share it. */
  private viewOf(data: Buffer): DataView {
    if (data !== this.viewed) {
      this.viewed = data;
      this.view = new DataView(data.buffer);
    }
    return this.view;
  }

  summary(): AlignmentSummary {
    return {
      reads: this.reads,
      mapped: this.mapped,
      unmapped: this.reads - this.mapped,
      properlyPaired: this.properlyPaired,
      duplicates: this.duplicates,
      secondary: this.secondary,
      supplementary: this.supplementary,
      bases: this.bases,
      meanQuality: this.qualityBases ? this.qualitySum / this.qualityBases : 0,
      gcFraction: this.bases ? this.gc / this.bases : 0,
    };
  }
}
