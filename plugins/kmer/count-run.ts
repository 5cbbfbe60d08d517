import {
  type Batch,
  createPool,
  mapInOrder,
  batch as recordBatch,
  type SequenceRecord,
  type StageContext,
  workerFile,
} from '../../src/plugin-api/index.js';
import { InvalidBaseError } from './base-codes.js';
import type { CountParams } from './count.js';
import { countKmers, MAX_SPECTRUM_K, spectra } from './count-kernel.js';
import type { InvalidBase } from './encode-kernel.js';
import { bucketCount, KmerTables } from './kmer-table.js';
import { packedTransfer, packSequences, parsedFasta } from './packed-sequences.js';
import {
  batchSequences,
  describeBatch,
  INLINE_BASES,
  invalidSequenceError,
  isTinyBatch,
  sequenceBatches,
} from './sequence-batches.js';
import {
  chunkRecords,
  type FastaChunk,
  fastaRowIds,
  type SequenceChunk,
  sequenceChunks,
} from './sequence-chunks.js';
import { type SortedKmers, sortedKmers } from './sorted-kmers.js';
import type { CountResult, KmerResult, KmerTask, PartitionOp, Posted, SpectraResult } from './worker.js';

/** A record of `per: all`. */
export interface KmerCount {
  kmer: string;
  count: number;
}

/** A record of `per: sequence`: the input record with its dense spectrum. */
export type SequenceSpectrum = SequenceRecord & { spectrum: Uint32Array | Float32Array };

const STAGE = 'kmer.count';
/** Dense spectra of one task stay under this many bytes. */
const SPECTRA_BATCH_BYTES = 64 << 20;

export function run(ctx: StageContext<CountParams>): AsyncIterable<Batch<KmerCount | SequenceSpectrum>> {
  if (ctx.params.per === 'all') {
    if (ctx.params.normalize) throw new Error(`${STAGE}: normalize applies to per: sequence, not per: all`);
    return countAll(ctx);
  }
  if (ctx.params['min-count'] > 1)
    throw new Error(`${STAGE}: min-count applies to per: all, not per: sequence`);
  if (ctx.params.k > MAX_SPECTRUM_K) {
    throw new Error(
      `${STAGE}: per: sequence gives dense spectra of 4^k entries, so k must be <= ${MAX_SPECTRUM_K}`,
    );
  }
  return spectrumPerSequence(ctx);
}

async function* spectrumPerSequence(ctx: StageContext<CountParams>): AsyncGenerator<Batch<SequenceSpectrum>> {
  const { k, canonical, normalize } = ctx.params;
  const width = 4 ** k;
  const rows = Math.max(1, Math.min(ctx.params['batch-size'], Math.floor(SPECTRA_BATCH_BYTES / (width * 4))));
  const mapped = mapInOrder<SequenceRecord[], KmerTask, KmerResult>(
    sequenceBatches(ctx.inputs.in!, rows, STAGE),
    {
      worker: workerFile(import.meta.url, './worker.js'),
      threads: ctx.params.threads ?? ctx.threads,
      signal: ctx.signal,
      isTiny: isTinyBatch,
      describe: describeBatch,
      inline: (batch) => ({
        spectra: spectra(packSequences(batchSequences(batch)), k, canonical, normalize),
      }),
      toTask: (batch) => {
        const packed = packSequences(batchSequences(batch));
        return { task: { op: 'spectra', packed, k, canonical, normalize }, transfer: packedTransfer(packed) };
      },
    },
  );
  for await (const { input: batch, result } of mapped) {
    const counted = result as SpectraResult;
    if ('invalid' in counted) throw invalidSequenceError(STAGE, batch, counted.invalid);
    // Rows are views of one buffer per batch: no copy.
    yield recordBatch(
      batch.map((record, row) => ({
        ...record,
        spectrum: counted.spectra.subarray(row * width, (row + 1) * width),
      })),
    );
  }
}

/**
 * Counting over all input. K-mers are split by prefix into buckets, bucket b owned by
 * partition b % threads (kmer-table.ts); each partition is a single-thread pool whose worker
 * keeps its tables between tasks. Each chunk of input goes to one partition, which counts
 * the k-mers of its own buckets and posts the others' in blocks, delivered with their next
 * task. Then each partition sorts its buckets into k-mer letters, a range at a time: buckets
 * in order are k-mers in order.
 */
async function* countAll(ctx: StageContext<CountParams>): AsyncGenerator<Batch<KmerCount>> {
  const { k, canonical } = ctx.params;
  const minCount = ctx.params['min-count'];
  const chunks = sequenceChunks(ctx.inputs.in!, CHUNK_BASES, k - 1, STAGE);
  const threads = ctx.params.threads ?? ctx.threads;
  const first = await chunks.next();
  if (first.done) return;
  const second = threads === 0 ? first : await chunks.next();
  if (threads === 0 || (second.done && chunkBytes(first.value) < INLINE_BASES)) {
    const tables = new KmerTables(k);
    const count = (chunk: SequenceChunk | FastaChunk) => {
      const packed = 'fasta' in chunk ? parsedFasta(chunk.fasta) : chunk;
      if ('malformed' in packed) throw chunkError(chunk, packed);
      try {
        countKmers(tables, packed.packed, canonical, 'starts' in chunk ? chunk.starts : undefined);
      } catch (err) {
        if (!(err instanceof InvalidBaseError)) throw err;
        throw chunkError(chunk, { invalid: { row: err.row, message: err.message } });
      }
    };
    count(first.value);
    if (threads === 0) {
      for await (const chunk of chunks) {
        ctx.signal.throwIfAborted();
        count(chunk);
      }
    }
    for (let from = 0; from < tables.buckets; from += OUTPUT_BUCKETS) {
      const to = Math.min(tables.buckets, from + OUTPUT_BUCKETS);
      yield* countRecords([sortedKmers(tables, from, to, minCount)], from, to, k);
    }
    return;
  }
  const pools = Array.from({ length: Math.max(1, threads) }, () =>
    createPool<KmerTask, KmerResult>({
      worker: workerFile(import.meta.url, './worker.js'),
      threads: 1,
      signal: ctx.signal,
    }),
  );
  const partitions = pools.length;
  // Blocks of k-mers posted to each partition, delivered with its next task.
  const inboxes: Int32Array[][] = pools.map(() => []);
  const run = (partition: number, op: PartitionOp, transfer: ArrayBuffer[] = []) => {
    const inbox = inboxes[partition]!.splice(0);
    return pools[partition]!.run({ ...op, k, partition, partitions, inbox }, [
      ...transfer,
      ...inbox.map((box) => box.buffer as ArrayBuffer),
    ]);
  };
  const deliver = ({ outboxes }: Posted) => {
    outboxes.forEach((box, to) => {
      if (box.length) inboxes[to]!.push(box);
    });
  };
  let finished = false;
  try {
    const queued = new Array<number>(partitions).fill(0);
    const inFlight: Promise<unknown>[] = [];
    const submit = (chunk: SequenceChunk | FastaChunk) => {
      // To the worker with the least work queued.
      const partition = queued.indexOf(Math.min(...queued));
      queued[partition]!++;
      const counted = (
        'fasta' in chunk
          ? run(partition, { op: 'count-fasta', fasta: chunk.fasta, canonical })
          : run(
              partition,
              { op: 'count', packed: chunk.packed, rowStarts: chunk.starts, canonical },
              packedTransfer(chunk.packed),
            )
      ).then((result) => {
        queued[partition]!--;
        const count = result as CountResult;
        if (!('outboxes' in count)) throw chunkError(chunk, count);
        deliver(count);
      });
      counted.catch(() => {});
      inFlight.push(counted);
    };
    submit(first.value);
    if (!second.done) submit(second.value);
    for await (const chunk of chunks) {
      ctx.signal.throwIfAborted();
      // Two chunks per worker in flight keep the workers busy while bounding memory (backpressure).
      if (inFlight.length >= 2 * partitions) await inFlight.shift();
      submit(chunk);
    }
    await Promise.all(inFlight);
    const finishing = pools.map((_, partition) => run(partition, { op: 'finish' }));
    for (const posted of await Promise.all(finishing)) deliver(posted as Posted);
    const buckets = bucketCount(k);
    const sorted = (from: number) => {
      const to = Math.min(buckets, from + OUTPUT_BUCKETS);
      const parts = Promise.all(
        pools.map((_, partition) => run(partition, { op: 'sorted', from, to, minCount })),
      );
      parts.catch(() => {});
      return { from, to, parts: parts as Promise<SortedKmers[]> };
    };
    // The workers sort the next range while this thread turns one into records.
    const ranges = [sorted(0)];
    for (let from = OUTPUT_BUCKETS; ranges.length; from += OUTPUT_BUCKETS) {
      if (from < buckets) ranges.push(sorted(from));
      const range = ranges.shift()!;
      yield* countRecords(await range.parts, range.from, range.to, k);
    }
    finished = true;
  } catch (err) {
    ctx.signal.throwIfAborted();
    throw err;
  } finally {
    await Promise.all(pools.map((pool) => (finished ? pool.close() : pool.destroy())));
  }
}

function chunkBytes(chunk: SequenceChunk | FastaChunk): number {
  return 'fasta' in chunk ? chunk.fasta.bytes.length : chunk.packed.bytes.length;
}

/** The stage's error for a chunk a kernel refused: a malformed FASTA record, or a bad base named by its sequence. */
function chunkError(
  chunk: SequenceChunk | FastaChunk,
  refused: { malformed: string } | { invalid: InvalidBase },
): Error {
  if ('malformed' in refused) return new Error(`${STAGE}: ${refused.malformed}`);
  const rows = 'fasta' in chunk ? fastaRowIds(chunk.fasta) : chunkRecords(chunk);
  return invalidSequenceError(STAGE, rows, refused.invalid);
}

/** Input bases per counting task: enough to make messaging negligible. */
const CHUNK_BASES = 1 << 20;

/** Buckets sorted per task in the output phase (of 1024 at k >= 5). */
const OUTPUT_BUCKETS = 64;
/** Records handed to the engine at once: millions of k-mers go out in batches, not one by one. */
const RECORDS_PER_BATCH = 4096;

/**
 * `{ kmer, count }` records of buckets `[from, to)` in k-mer order, from the sorted k-mers
 * of each partition (bucket b belongs to partition b % partitions).
 */
function* countRecords(
  parts: SortedKmers[],
  from: number,
  to: number,
  k: number,
): Generator<Batch<KmerCount>> {
  const letters = parts.map(({ letters: l }) => Buffer.from(l.buffer, l.byteOffset, l.byteLength));
  const next = new Array<number>(parts.length).fill(0);
  let records: KmerCount[] = [];
  for (let b = from; b < to; b++) {
    const p = b % parts.length;
    const { counts, sizes } = parts[p]!;
    const text = letters[p]!;
    let i = next[p]!;
    for (const end = i + sizes[b - from]!; i < end; i++) {
      records.push({ kmer: text.toString('latin1', i * k, i * k + k), count: counts[i]! });
      if (records.length === RECORDS_PER_BATCH) {
        yield recordBatch(records);
        records = [];
      }
    }
    next[p] = i;
  }
  if (records.length) yield recordBatch(records);
}
