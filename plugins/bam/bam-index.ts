import { readFile } from 'node:fs/promises';

/** A BGZF virtual offset split into the compressed block offset and the offset inside it. */
export interface VirtualOffset {
  block: number;
  within: number;
}

/** A range of the BAM file `[beg, end)` in virtual offsets. */
export interface Chunk {
  beg: VirtualOffset;
  end: VirtualOffset;
}

interface RefIndex {
  bins: Map<number, Chunk[]>;
  /** BAI linear index: smallest offset of a record overlapping each 16 kb window. */
  linear: VirtualOffset[];
}

/** A parsed .bai or .csi index. */
export interface BamIndex {
  minShift: number;
  depth: number;
  refs: RefIndex[];
}

export function compareOffsets(a: VirtualOffset, b: VirtualOffset): number {
  return a.block - b.block || a.within - b.within;
}

function readOffset(buf: Buffer, at: number): VirtualOffset {
  const lo = buf.readUInt32LE(at);
  return { block: buf.readUInt32LE(at + 4) * 65536 + (lo >>> 16), within: lo & 0xffff };
}

/** Parses a .bai (`BAI\1`) or .csi (`CSI\1`) index file. */
export async function readBamIndex(path: string): Promise<BamIndex> {
  let buf = await readFile(path);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = (await import('node:zlib')).gunzipSync(buf);
  const magic = buf.toString('latin1', 0, 4);
  const csi = magic === 'CSI\x01';
  if (!csi && magic !== 'BAI\x01') throw new Error(`${path}: not a BAI or CSI index (magic '${magic}')`);
  let p = 4;
  let minShift = 14;
  let depth = 5;
  if (csi) {
    minShift = buf.readInt32LE(4);
    depth = buf.readInt32LE(8);
    p = 16 + buf.readInt32LE(12);
  }
  const count = buf.readInt32LE(p);
  p += 4;
  const refs: RefIndex[] = [];
  for (let r = 0; r < count; r++) {
    const bins = new Map<number, Chunk[]>();
    const binCount = buf.readInt32LE(p);
    p += 4;
    for (let b = 0; b < binCount; b++) {
      const bin = buf.readUInt32LE(p);
      p += csi ? 12 : 4;
      const chunkCount = buf.readInt32LE(p);
      p += 4;
      const chunks: Chunk[] = [];
      for (let c = 0; c < chunkCount; c++, p += 16)
        chunks.push({ beg: readOffset(buf, p), end: readOffset(buf, p + 8) });
      bins.set(bin, chunks);
    }
    const linear: VirtualOffset[] = [];
    if (!csi) {
      const intervals = buf.readInt32LE(p);
      p += 4;
      for (let i = 0; i < intervals; i++, p += 8) linear.push(readOffset(buf, p));
    }
    refs.push({ bins, linear });
  }
  return { minShift, depth, refs };
}

/** Bins that may hold records overlapping `[beg, end)` (htslib's reg2bins). */
function overlappingBins(beg: number, end: number, minShift: number, depth: number): number[] {
  const bins: number[] = [];
  let s = minShift + depth * 3;
  end = Math.min(end, 2 ** s) - 1;
  for (let level = 0, first = 0; level <= depth; level++, s -= 3, first += 2 ** (3 * (level - 1))) {
    const from = first + Math.floor(beg / 2 ** s);
    const to = first + Math.floor(end / 2 ** s);
    for (let b = from; b <= to; b++) bins.push(b);
  }
  return bins;
}

/** The merged, ordered file chunks to scan for records overlapping `[beg, end)` on `refId`. */
export function chunksForRegion(index: BamIndex, refId: number, beg: number, end: number): Chunk[] {
  const ref = index.refs[refId];
  if (!ref || beg >= end) return [];
  const minOffset = ref.linear.length
    ? ref.linear[Math.min(beg >> 14, ref.linear.length - 1)]!
    : { block: 0, within: 0 };
  const chunks: Chunk[] = [];
  for (const bin of overlappingBins(beg, end, index.minShift, index.depth)) {
    for (const chunk of ref.bins.get(bin) ?? [])
      if (compareOffsets(chunk.end, minOffset) > 0) chunks.push(chunk);
  }
  chunks.sort((a, b) => compareOffsets(a.beg, b.beg));
  const merged: Chunk[] = [];
  for (const chunk of chunks) {
    const last = merged.at(-1);
    if (last && compareOffsets(chunk.beg, last.end) <= 0) {
      if (compareOffsets(chunk.end, last.end) > 0) last.end = chunk.end;
    } else merged.push({ ...chunk });
  }
  return merged;
}
