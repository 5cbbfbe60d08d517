/**
 * Builds a tabix (.tbi) or CSI (.csi) index while a bgzipped VCF is written, following the
 * SAM/tabix specification and htslib's choices (min_shift 14; linear index of 16 kb
 * windows; a pseudo-bin with each contig's offsets and record count). Bins are collected
 * at CSI depth 6 (positions up to 2^32) and mapped to TBI's depth 5 when that is chosen,
 * since level l of depth 6 spans what level l-1 of depth 5 does.
 */

const MIN_SHIFT = 14;
const CSI_DEPTH = 6;
const TBI_DEPTH = 5;
/** TBI cannot index beyond 2^29. */
export const TBI_MAX_END = 1 << 29;

interface ContigIndex {
  name: string;
  /** bin -> flat [start, end, start, end, ...] uncompressed offsets of runs of records. */
  bins: Map<number, number[]>;
  /** Smallest uncompressed offset of a record overlapping each 16 kb window (-1: none). */
  linear: number[];
  firstOffset: number;
  lastOffset: number;
  records: number;
  lastStart: number;
}

function firstBin(level: number): number {
  return ((1 << (3 * level)) - 1) / 7;
}

function binLevel(bin: number): number {
  let level = 0;
  while (bin >= firstBin(level + 1)) level++;
  return level;
}

/** hts_reg2bin: the smallest bin holding [beg, end). */
function regionToBin(beg: number, end: number, depth: number): number {
  const last = end - 1;
  let shift = MIN_SHIFT;
  for (let level = depth; level > 0; level--, shift += 3) {
    const b = Math.floor(beg / 2 ** shift);
    if (b === Math.floor(last / 2 ** shift)) return firstBin(level) + b;
  }
  return 0;
}

export class IndexBuilder {
  private readonly contigs: ContigIndex[] = [];
  private readonly seen = new Set<string>();
  maxEnd = 0;

  /** Adds a record covering [beg, end) (0-based) stored at uncompressed bytes [start, stop). */
  add(chrom: string, beg: number, end: number, start: number, stop: number): void {
    let contig = this.contigs[this.contigs.length - 1];
    if (contig?.name !== chrom) {
      if (this.seen.has(chrom)) {
        throw new Error(
          `records of contig "${chrom}" are not together: cannot index unsorted records (sort with bcftools sort)`,
        );
      }
      this.seen.add(chrom);
      contig = {
        name: chrom,
        bins: new Map(),
        linear: [],
        firstOffset: start,
        lastOffset: stop,
        records: 0,
        lastStart: 0,
      };
      this.contigs.push(contig);
    }
    if (beg < contig.lastStart) {
      throw new Error(
        `${chrom}:${beg + 1} comes after ${chrom}:${contig.lastStart + 1}: cannot index unsorted records (sort with bcftools sort)`,
      );
    }
    contig.lastStart = beg;
    contig.lastOffset = stop;
    contig.records++;
    if (end <= beg) end = beg + 1;
    if (end > this.maxEnd) this.maxEnd = end;
    const bin = regionToBin(beg, end, CSI_DEPTH);
    const chunks = contig.bins.get(bin);
    if (!chunks) contig.bins.set(bin, [start, stop]);
    else if (chunks[chunks.length - 1] === start) chunks[chunks.length - 1] = stop;
    else chunks.push(start, stop);
    const lastWindow = Math.floor((end - 1) / 2 ** MIN_SHIFT);
    for (let w = contig.linear.length; w <= lastWindow; w++) contig.linear.push(-1);
    for (let w = Math.floor(beg / 2 ** MIN_SHIFT); w <= lastWindow; w++) {
      if (contig.linear[w] === -1) contig.linear[w] = start;
    }
  }

  /** The index bytes (before BGZF compression); `virtual` maps uncompressed offsets to virtual ones. */
  build(kind: 'tbi' | 'csi', virtual: (offset: number) => number): Buffer {
    if (kind === 'tbi' && this.maxEnd > TBI_MAX_END) {
      throw new Error(`positions beyond 2^29 cannot be indexed with .tbi, use index: csi`);
    }
    const out = new ByteWriter();
    const names = Buffer.from(this.contigs.map((c) => `${c.name}\0`).join(''));
    const tabixHeader = (w: ByteWriter) => {
      // format 2 = VCF, sequence column 1, begin column 2, no end column, '#' comments, no skipped lines
      for (const v of [2, 1, 2, 0, 35, 0, names.length]) w.i32(v);
      w.bytes(names);
    };
    if (kind === 'tbi') {
      out.bytes(Buffer.from('TBI\x01', 'latin1'));
      out.i32(this.contigs.length);
      tabixHeader(out);
    } else {
      out.bytes(Buffer.from('CSI\x01', 'latin1'));
      out.i32(MIN_SHIFT);
      out.i32(CSI_DEPTH);
      const aux = new ByteWriter();
      tabixHeader(aux);
      const auxBytes = aux.done();
      out.i32(auxBytes.length);
      out.bytes(auxBytes);
      out.i32(this.contigs.length);
    }
    const depth = kind === 'tbi' ? TBI_DEPTH : CSI_DEPTH;
    const metaBin = firstBin(depth + 1) + 1;
    for (const contig of this.contigs) {
      const linear = fillLinear(contig.linear, contig.firstOffset).map(virtual);
      out.i32(contig.bins.size + 1);
      for (const [csiBin, chunks] of contig.bins) {
        const level = binLevel(csiBin);
        const bin = kind === 'tbi' ? firstBin(level - 1) + (csiBin - firstBin(level)) : csiBin;
        out.u32(bin);
        if (kind === 'csi') {
          const bottom = (csiBin - firstBin(level)) * 8 ** (CSI_DEPTH - level);
          out.u64(bottom < linear.length ? linear[bottom]! : 0);
        }
        out.i32(chunks.length / 2);
        for (const offset of chunks) out.u64(virtual(offset));
      }
      out.u32(metaBin);
      if (kind === 'csi') out.u64(0);
      out.i32(2);
      out.u64(virtual(contig.firstOffset));
      out.u64(virtual(contig.lastOffset));
      out.u64(contig.records);
      out.u64(0);
      if (kind === 'tbi') {
        out.i32(linear.length);
        for (const offset of linear) out.u64(offset);
      }
    }
    out.u64(0);
    return out.done();
  }
}

/** htslib's update_loff: windows before the first record take its offset, holes the previous one. */
function fillLinear(linear: number[], first: number): number[] {
  const filled = linear.slice();
  let previous = first;
  for (let i = 0; i < filled.length; i++) {
    if (filled[i] === -1) filled[i] = previous;
    previous = filled[i]!;
  }
  return filled;
}

class ByteWriter {
  private readonly parts: Buffer[] = [];

  i32(v: number): void {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32LE(v);
    this.parts.push(b);
  }

  u32(v: number): void {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32LE(v);
    this.parts.push(b);
  }

  u64(v: number): void {
    const b = Buffer.allocUnsafe(8);
    b.writeBigUInt64LE(BigInt(v));
    this.parts.push(b);
  }

  bytes(b: Buffer): void {
    this.parts.push(b);
  }

  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}
