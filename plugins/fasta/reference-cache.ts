import type { Reference } from './reference.js';

/** Bases read from the reference in one go; VCF records are sorted, so most fall inside. */
const CHUNK = 1 << 20;

/**
 * Serves short slices of a reference from the current contig's neighbourhood: one index
 * lookup per megabase of a sorted input instead of one per record.
 */
export class ReferenceCache {
  private chrom = '';
  private start = 0;
  private end = 0;
  private bases = '';

  constructor(private readonly reference: Reference) {}

  /** Bases [start, end) of `chrom`, which must exist; the range must lie within the contig. */
  async slice(chrom: string, start: number, end: number): Promise<string> {
    if (chrom !== this.chrom || start < this.start || end > this.end) {
      const chunkEnd = Math.min(this.reference.lengths.get(chrom)!, Math.max(end, start + CHUNK));
      this.bases = await this.reference.fetch(chrom, start, chunkEnd);
      this.chrom = chrom;
      this.start = start;
      this.end = chunkEnd;
    }
    return this.bases.slice(start - this.start, end - this.start);
  }
}
