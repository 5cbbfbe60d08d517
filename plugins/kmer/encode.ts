import {
  batch,
  defineStage,
  mapInOrder,
  type PoolTask,
  type TokenBatch,
  type TokenizerSpec,
  workerFile,
  z,
} from '../../src/plugin-api/index.js';
import { type EncodeResult, encodeBatches, idBuffers } from './encode-kernel.js';
import { packJoined } from './packed-sequences.js';
import {
  describeBatch,
  INLINE_BASES,
  invalidSequenceError,
  type SequenceGroup,
  type SequenceItem,
  sequenceGroups,
} from './sequence-batches.js';
import { MAX_TOKENIZER_K, makeSpec } from './tokenizer.js';
import type { KmerResult, KmerTask } from './worker.js';

/** A worker task encoding one group: its sequences and the output buffers go across, moved. */
export function encodeTask(group: SequenceGroup, spec: TokenizerSpec): PoolTask<KmerTask> {
  const ids = idBuffers(spec, group.batchRows);
  return {
    task: { op: 'encode', joined: group.joined, spec, batchRows: group.batchRows, ids },
    transfer: [
      group.joined.offsets.buffer as ArrayBuffer,
      ...ids.map((batch) => batch.buffer as ArrayBuffer),
    ],
  };
}

const params = z.strictObject({
  kind: z.enum(['overlapping', 'non-overlapping', 'base']).default('overlapping'),
  k: z.number().int().min(1).max(MAX_TOKENIZER_K).optional().describe('k-mer length (default 6; 1 for base)'),
  stride: z.number().int().min(1).optional().describe('default 1 for overlapping, k for non-overlapping'),
  'max-tokens': z.number().int().min(1).default(512).describe('row length, [CLS] included'),
  truncate: z
    .enum(['head', 'tail', 'centre'])
    .default('head')
    .describe('which part of a long sequence is kept'),
  ambiguous: z.enum(['unk', 'skip']).default('unk').describe('a k-mer with N or another IUPAC code'),
  cls: z.boolean().default(false),
  'batch-size': z.number().int().min(1).default(256).describe('rows per token batch'),
  threads: z.number().int().min(0).optional().describe('worker threads (default --threads; 0 = main thread)'),
});

const STAGE = 'kmer.encode';

export const encode = defineStage({
  description: 'Tokenizes sequences into k-mer token batches (Int32Array rows) in a worker pool',
  params,
  inputs: { in: 'sequence' },
  output: 'token-batch',
  // A batch holds `batch-size` rows: a few waiting per consumer are plenty.
  outputBuffer: 4,
  async *run(ctx) {
    const p = ctx.params;
    const spec = makeSpec({
      kind: p.kind,
      k: p.k,
      stride: p.stride,
      maxTokens: p['max-tokens'],
      truncate: p.truncate,
      ambiguous: p.ambiguous,
      cls: p.cls,
    });
    const groups = sequenceGroups(ctx.inputs.in!, p['batch-size'], spec.maxTokens, STAGE);
    // The main thread only joins the sequences (one native call, in sequenceGroups);
    // packing them into bytes and encoding happen in the worker.
    const mapped = mapInOrder<SequenceGroup, KmerTask, KmerResult>(groups, {
      worker: workerFile(import.meta.url, './worker.js'),
      threads: p.threads ?? ctx.threads,
      signal: ctx.signal,
      isTiny: (group) => group.bases < INLINE_BASES,
      describe: (group) => describeBatch(group.items),
      inline: (group) => encodeBatches(packJoined(group.joined), spec, group.batchRows),
      toTask: (group) => encodeTask(group, spec),
    });
    for await (const { input: group, result } of mapped) {
      const encoded = result as EncodeResult;
      if ('invalid' in encoded) throw invalidSequenceError(STAGE, group.items, encoded.invalid);
      const batches: TokenBatch[] = [];
      let start = 0;
      for (let b = 0; b < group.batchRows.length; b++) {
        const end = start + group.batchRows[b]!;
        batches.push(tokenBatch(group.items.slice(start, end), encoded.ids[b]!, spec));
        start = end;
      }
      // The whole task's batches at once: one hand-over to the engine, not one per batch.
      yield batch(batches);
    }
  },
});

function tokenBatch(items: SequenceItem[], ids: Int32Array, spec: TokenizerSpec): TokenBatch {
  // An invalid record still flows, as a row of [PAD] only.
  for (let row = 0; row < items.length; row++) {
    if (items[row]!.invalid !== undefined) ids.fill(0, row * spec.maxTokens, (row + 1) * spec.maxTokens);
  }
  return { ids, rows: items.length, length: spec.maxTokens, spec, items };
}
