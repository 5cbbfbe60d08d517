import { blockSize, EOF_BLOCK, inflateBlock } from './bgzf-block.js';
import { GunzipLanes } from './gunzip-lanes.js';

/**
 * Compressed bytes per zlib write. A run of BGZF blocks is a run of gzip members, which
 * gunzip inflates and checks (CRC32, ISIZE) in one go on libuv's thread pool; each write
 * costs the main thread a fixed amount, so runs of ~4-8 blocks make that small per record.
 */
const RUN_BYTES = 1 << 17;
/** Gunzip streams working at once: libuv's thread pool has 4 threads by default. */
const LANES = 4;
/** Runs inflating or inflated but not yet read (bounded so memory stays flat: a few MiB). */
const IN_FLIGHT = 8;

/** Whole BGZF blocks, contiguous, from byte `at` of the stream; `size` is their ISIZE sum. */
interface BlockRun {
  bytes: Buffer;
  at: number;
  size: number;
}

/** Bytes gathered per step, so that a stream of small chunks (a pipe's 64 KiB) is copied once. */
const GATHER_BYTES = 1 << 20;

/** The chunks of `source` in groups of at least GATHER_BYTES (but the last). */
async function* gathered(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer[]> {
  let group: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of source) {
    group.push(chunk);
    bytes += chunk.length;
    if (bytes >= GATHER_BYTES) {
      yield group;
      group = [];
      bytes = 0;
    }
  }
  if (group.length) yield group;
}

/** The largest BGZF block (BSIZE is 16 bits). */
const MAX_BLOCK = 1 << 16;

/**
 * Runs of whole BGZF blocks of a byte stream, as views of the chunks read (no copy); a
 * block cut by a chunk's end is copied out whole. A stream that ends inside a block or
 * without the EOF marker block is an error.
 */
async function* blockRuns(source: AsyncIterable<Buffer>, name: string): AsyncGenerator<BlockRun> {
  /** Stream offset of the first byte not yet in a run. */
  let consumed = 0;
  /** The start of a block cut by the end of the last chunk. */
  let carry: Buffer = Buffer.alloc(0);
  let lastBlock: Buffer | undefined;
  for await (const chunks of gathered(source)) {
    let data = chunks.length > 1 ? Buffer.concat(chunks) : chunks[0]!;
    if (carry.length) {
      // the cut block, completed from the head of this data (it needs at most MAX_BLOCK more)
      const bridge = Buffer.concat([carry, data.subarray(0, MAX_BLOCK)]);
      const size = blockSize(bridge, 0, name, consumed);
      if (size === undefined || size > bridge.length) {
        carry = Buffer.concat([carry, data]); // only at the stream's very end
        continue;
      }
      lastBlock = bridge.subarray(0, size);
      yield { bytes: lastBlock, at: consumed, size: lastBlock.readUInt32LE(size - 4) };
      data = data.subarray(size - carry.length);
      consumed += size;
    }
    let offset = 0;
    let runStart = 0;
    let runSize = 0;
    const run = (): BlockRun => ({
      bytes: data.subarray(runStart, offset),
      at: consumed + runStart,
      size: runSize,
    });
    for (;;) {
      const size = blockSize(data, offset, name, consumed + offset);
      if (size === undefined || data.length - offset < size) break;
      lastBlock = data.subarray(offset, offset + size);
      runSize += lastBlock.readUInt32LE(size - 4);
      offset += size;
      if (offset - runStart >= RUN_BYTES) {
        yield run();
        runStart = offset;
        runSize = 0;
      }
    }
    if (runStart < offset) yield run();
    carry = data.subarray(offset);
    consumed += offset;
  }
  if (carry.length) {
    throw new Error(`${name}: truncated BGZF block at byte ${consumed} (the file was cut short)`);
  }
  if (!lastBlock?.equals(EOF_BLOCK)) {
    throw new Error(`${name}: BGZF EOF marker block is missing, the file is truncated`);
  }
}

/** Inflates each block of a run here, throwing the message of the first bad one. */
function checkBlocks(run: BlockRun, name: string): void {
  for (let p = 0; p < run.bytes.length; ) {
    const size = blockSize(run.bytes, p, name)!;
    inflateBlock(run.bytes.subarray(p, p + size), name, run.at + p);
    p += size;
  }
}

/** Inflates a run: on the lanes, or here when it holds no data (empty blocks, the EOF marker). */
async function inflateRun(run: BlockRun, name: string, lanes: GunzipLanes): Promise<Buffer[]> {
  if (!run.size) {
    checkBlocks(run, name);
    return [];
  }
  try {
    return await lanes.inflate(run.bytes, run.size);
  } catch (err) {
    checkBlocks(run, name); // names the bad block
    const end = run.at + run.bytes.length;
    throw new Error(
      `${name}: BGZF blocks at bytes ${run.at}..${end} are corrupt (${(err as Error).message})`,
    );
  }
}

/**
 * Inflated contents of a BGZF byte stream, in order. Up to IN_FLIGHT runs of blocks are
 * inflated at once on libuv's thread pool.
 */
export async function* inflateBgzf(source: AsyncIterable<Buffer>, name: string): AsyncGenerator<Buffer> {
  const lanes = new GunzipLanes(LANES);
  const queue: Promise<Buffer[]>[] = [];
  const runs = blockRuns(source, name);
  try {
    for (let done = false; ; ) {
      while (!done && queue.length < IN_FLIGHT) {
        const next = await runs.next();
        if (next.done) done = true;
        else {
          const inflating = inflateRun(next.value, name, lanes);
          inflating.catch(() => {}); // surfaced when awaited in order below
          queue.push(inflating);
        }
      }
      const head = queue.shift();
      if (!head) return;
      yield* await head;
    }
  } finally {
    lanes.close();
  }
}

/** A positioned BGZF block reader over a file, for index (region) queries. */
export class BgzfFile {
  private cache = new Map<number, { data: Buffer; next: number }>();

  constructor(
    private readonly read: (position: number, length: number) => Promise<Buffer>,
    private readonly name: string,
  ) {}

  /** The inflated block at compressed offset `at`, and the offset of the block after it. */
  async block(at: number): Promise<{ data: Buffer; next: number }> {
    const hit = this.cache.get(at);
    if (hit) return hit;
    const head = await this.read(at, 18);
    const size = head.length < 18 ? undefined : blockSize(head, 0, this.name);
    if (size === undefined) throw new Error(`${this.name}: truncated BGZF block at byte ${at}`);
    const raw = await this.read(at, size);
    if (raw.length < size) throw new Error(`${this.name}: truncated BGZF block at byte ${at}`);
    const entry = { data: inflateBlock(raw, this.name, at), next: at + size };
    if (this.cache.size > 64) this.cache.clear();
    this.cache.set(at, entry);
    return entry;
  }
}
