import { writeFile } from 'node:fs/promises';
import { crc32, deflateRawSync } from 'node:zlib';

/**
 * A bgzipped bedGraph with its tabix index (.tbi, `tabix -p bed` settings: UCSC 0-based
 * half-open, columns 1-3, `#` comments), written in node: the project calls no bgzip or
 * tabix binary. Blocks end at line ends, so a line's virtual offset is its block's start
 * << 16 plus its offset in the block; bins and the 16 kb linear index follow htslib
 * (min_shift 14, depth 5).
 */
export interface TrackValue {
  chrom: string;
  /** 0-based base position. */
  pos: number;
  value: number;
}

const BLOCK_DATA = 0xff00;
const EOF_BLOCK = Buffer.from('1f8b08040000000000ff0600424302001b0003000000000000000000', 'hex');

function bgzfBlock(data: Buffer): Buffer {
  const compressed = deflateRawSync(data);
  const block = Buffer.alloc(18 + compressed.length + 8);
  block.set([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, 0x42, 0x43, 2, 0]);
  block.writeUInt16LE(block.length - 1, 16);
  compressed.copy(block, 18);
  block.writeUInt32LE(crc32(data), block.length - 8);
  block.writeUInt32LE(data.length, block.length - 4);
  return block;
}

/** BGZF of `lines` (each ending in \n), and each line's virtual offset and the end's. */
function bgzfLines(lines: string[]): { bytes: Buffer; offsets: bigint[] } {
  const blocks: Buffer[] = [];
  const offsets: bigint[] = [];
  let compressedAt = 0;
  let pending: Buffer[] = [];
  let pendingSize = 0;
  const flush = () => {
    if (!pendingSize) return;
    const block = bgzfBlock(Buffer.concat(pending));
    blocks.push(block);
    compressedAt += block.length;
    pending = [];
    pendingSize = 0;
  };
  for (const line of lines) {
    const bytes = Buffer.from(line, 'latin1');
    if (pendingSize + bytes.length > BLOCK_DATA) flush();
    offsets.push((BigInt(compressedAt) << 16n) | BigInt(pendingSize));
    pending.push(bytes);
    pendingSize += bytes.length;
  }
  flush();
  offsets.push(BigInt(compressedAt) << 16n);
  return { bytes: Buffer.concat([...blocks, EOF_BLOCK]), offsets };
}

/** htslib's reg2bin for [beg, end) at depth 5. */
function regionToBin(beg: number, end: number): number {
  const last = end - 1;
  for (const [shift, first] of [
    [14, 4681],
    [17, 585],
    [20, 73],
    [23, 9],
    [26, 1],
  ] as const) {
    if (beg >> shift === last >> shift) return first + (beg >> shift);
  }
  return 0;
}

/** The .tbi of 1-base records `values` stored at `offsets` (sorted by contig, then position). */
function tabixIndex(values: TrackValue[], offsets: bigint[]): Buffer {
  const names = [...new Set(values.map((v) => v.chrom))];
  const parts: Buffer[] = [];
  const int32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    return b;
  };
  const uint64 = (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(n);
    return b;
  };
  const nameBytes = Buffer.from(`${names.join('\0')}\0`, 'latin1');
  parts.push(Buffer.from('TBI\x01', 'latin1'), int32(names.length));
  for (const n of [0x10000, 1, 2, 3, '#'.charCodeAt(0), 0, nameBytes.length]) parts.push(int32(n));
  parts.push(nameBytes);
  let i = 0;
  for (const name of names) {
    const bins = new Map<number, [bigint, bigint][]>();
    const linear: bigint[] = [];
    for (; i < values.length && values[i]!.chrom === name; i++) {
      const { pos } = values[i]!;
      const bin = regionToBin(pos, pos + 1);
      const chunks = bins.get(bin) ?? bins.set(bin, []).get(bin)!;
      const last = chunks.at(-1);
      if (last && last[1] === offsets[i]) last[1] = offsets[i + 1]!;
      else chunks.push([offsets[i]!, offsets[i + 1]!]);
      const window = pos >> 14;
      while (linear.length <= window) linear.push(-1n);
      if (linear[window] === -1n) linear[window] = offsets[i]!;
    }
    parts.push(int32(bins.size));
    for (const [bin, chunks] of bins) {
      parts.push(int32(bin), int32(chunks.length));
      for (const [beg, end] of chunks) parts.push(uint64(beg), uint64(end));
    }
    // A window without a record takes the next one's offset: still a lower bound for it.
    for (let w = linear.length - 2; w >= 0; w--) if (linear[w] === -1n) linear[w] = linear[w + 1]!;
    parts.push(int32(linear.length), ...linear.map(uint64));
  }
  const index = Buffer.concat(parts).toString('latin1');
  const pieces = Array.from({ length: Math.ceil(index.length / BLOCK_DATA) }, (_, p) =>
    index.slice(p * BLOCK_DATA, (p + 1) * BLOCK_DATA),
  );
  return bgzfLines(pieces).bytes;
}

/**
 * Writes `path` (…bedgraph.gz) and `path`.tbi. Values at the same base (overlapping
 * windows) are averaged; contigs keep their order of first appearance.
 */
export async function writeBedGraph(path: string, values: TrackValue[], digits = 6): Promise<void> {
  const contigOrder = new Map<string, number>();
  for (const v of values) if (!contigOrder.has(v.chrom)) contigOrder.set(v.chrom, contigOrder.size);
  const sorted = [...values].sort(
    (a, b) => contigOrder.get(a.chrom)! - contigOrder.get(b.chrom)! || a.pos - b.pos,
  );
  const merged: TrackValue[] = [];
  let count = 0;
  for (const v of sorted) {
    const last = merged.at(-1);
    if (last && last.chrom === v.chrom && last.pos === v.pos) {
      last.value = (last.value * count + v.value) / (count + 1);
      count++;
    } else {
      merged.push({ ...v });
      count = 1;
    }
  }
  const lines = merged.map(
    (v) => `${v.chrom}\t${v.pos}\t${v.pos + 1}\t${Number(v.value.toPrecision(digits))}\n`,
  );
  const { bytes, offsets } = bgzfLines(lines);
  await writeFile(path, bytes);
  await writeFile(`${path}.tbi`, tabixIndex(merged, offsets));
}
