import {
  type Batch,
  createPool,
  defineStage,
  mapInOrder,
  batch as recordBatch,
  type SequenceRecord,
  type StageContext,
  workerFile,
  z,
} from '../../src/plugin-api/index.js';
import { countKmers, kmerString, MAX_COUNT_K, MAX_SPECTRUM_K, spectra } from './count-kernel.js';
import { createTable, type KmerTable, type SortedCounts, sortedCounts } from './kmer-table.js';
import { packedTransfer, packSequences } from './packed-sequences.js';
import {
  batchSequences,
  describeBatch,
  invalidSequenceError,
  isTinyBatch,
  sequenceBatches,
} from './sequence-batches.js';
import type { CountResult, KmerResult, KmerTask, SpectraResult } from './worker.js';

const params = z.strictObject({
  k: z.number().int().min(1).max(MAX_COUNT_K).default(6),
  canonical: z.boolean().default(false).describe('count a k-mer and its reverse complement as one'),
  per: z.enum(['sequence', 'all']).default('sequence'),
  'min-count': z.number().int().min(1).default(1).describe('per: all — drop k-mers seen fewer times'),
  normalize: z.boolean().default(false).describe('per: sequence — frequencies instead of counts'),
  'batch-size': z.number().int().min(1).default(256),
  threads: z.number().int().min(0).optional().describe('worker threads (default --threads; 0 = main thread)'),
});
type CountParams = z.infer<typeof params>;

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

export const count = defineStage({
  description: 'Counts k-mers: a dense spectrum per sequence (k <= 12), or { kmer, count } over all input',
  params,
  inputs: { in: 'sequence' },
  output: 'record',
  run(ctx): AsyncIterable<Batch<KmerCount | SequenceSpectrum>> {
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
  },
});

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
 * Counting over all input. With threads, k-mers are partitioned by hash, one table per
 * worker: every worker scans each batch (shared, not copied) but inserts only its own
 * k-mers, so no table is ever merged and each partition's tasks run one after another.
 */
async function* countAll(ctx: StageContext<CountParams>): AsyncGenerator<Batch<KmerCount>> {
  const { k, canonical } = ctx.params;
  const minCount = ctx.params['min-count'];
  const batches = sequenceBatches(ctx.inputs.in!, ctx.params['batch-size'], STAGE);
  const threads = ctx.params.threads ?? ctx.threads;
  const first = await batches.next();
  if (first.done) return;
  const second = threads === 0 ? first : await batches.next();
  if (threads === 0 || (second.done && isTinyBatch(first.value))) {
    let table = createTable();
    const count = (batch: SequenceRecord[]) => {
      try {
        table = countKmers(table, packSequences(batchSequences(batch)), k, canonical);
      } catch (err) {
        const row = (err as { row?: number }).row;
        throw row === undefined
          ? err
          : invalidSequenceError(STAGE, batch, { row, message: (err as Error).message });
      }
    };
    count(first.value);
    if (threads === 0) {
      for await (const batch of batches) {
        ctx.signal.throwIfAborted();
        count(batch);
      }
    }
    for (const records of mergedRecords([sortedCounts(table, minCount, 2 * k)], k))
      yield recordBatch(records);
    return;
  }
  const pool = createPool<KmerTask, KmerResult>({
    worker: workerFile(import.meta.url, './worker.js'),
    threads,
    signal: ctx.signal,
  });
  const partitions = pool.threads;
  const tables: KmerTable[] = Array.from({ length: partitions }, () => createTable(1 << 16, true));
  const chains: Promise<void>[] = Array.from({ length: partitions }, () => Promise.resolve());
  const inFlight: Promise<unknown>[] = [];
  let sorted: SortedCounts[];
  try {
    const submit = (batch: SequenceRecord[]) => {
      const packed = packSequences(batchSequences(batch), true);
      for (let partition = 0; partition < partitions; partition++) {
        chains[partition] = chains[partition]!.then(async () => {
          const task: KmerTask = {
            op: 'count',
            packed,
            k,
            canonical,
            partition,
            partitions,
            table: tables[partition]!,
          };
          const result = (await pool.run(task)) as CountResult;
          if ('invalid' in result) throw invalidSequenceError(STAGE, batch, result.invalid);
          tables[partition] = result.table;
        });
        chains[partition]!.catch(() => {});
      }
      // Two batches in flight keep the workers busy while bounding memory (backpressure).
      inFlight.push(Promise.all(chains));
    };
    submit(first.value);
    if (!second.done) submit(second.value);
    for await (const batch of batches) {
      ctx.signal.throwIfAborted();
      if (inFlight.length >= 2) await inFlight.shift();
      submit(batch);
    }
    await Promise.all(chains);
    sorted = (await Promise.all(
      tables.map((table) => pool.run({ op: 'sort', table, minCount, bits: 2 * k })),
    )) as SortedCounts[];
    tables.length = 0;
    await pool.close();
  } catch (err) {
    await pool.destroy();
    ctx.signal.throwIfAborted();
    throw err;
  }
  for (const records of mergedRecords(sorted, k)) yield recordBatch(records);
}

/** Records handed to the engine at once: millions of k-mers go out in batches, not one by one. */
const RECORDS_PER_BATCH = 4096;

/** Merges sorted runs of disjoint k-mers into `{ kmer, count }` records in k-mer order. */
function* mergedRecords(runs: SortedCounts[], k: number): Generator<KmerCount[]> {
  const next = new Array<number>(runs.length).fill(0);
  let records: KmerCount[] = [];
  for (;;) {
    let best = -1;
    let bestHi = 0;
    let bestLo = 0;
    for (let r = 0; r < runs.length; r++) {
      const i = next[r]!;
      const run = runs[r]!;
      if (i >= run.counts.length) continue;
      const hi = run.hi[i]!;
      // Low halves compare unsigned: flip the sign bit.
      const lo = run.lo[i]! ^ SIGN;
      if (best < 0 || hi < bestHi || (hi === bestHi && lo < bestLo)) {
        best = r;
        bestHi = hi;
        bestLo = lo;
      }
    }
    if (best < 0) break;
    const count = runs[best]!.counts[next[best]!]!;
    next[best]!++;
    records.push({ kmer: kmerString(bestHi, bestLo ^ SIGN, k), count });
    if (records.length === RECORDS_PER_BATCH) {
      yield records;
      records = [];
    }
  }
  if (records.length) yield records;
}

const SIGN = -0x80000000;
