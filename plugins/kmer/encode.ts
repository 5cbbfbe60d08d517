import {
  defineStage,
  mapInOrder,
  type SequenceRecord,
  type TokenBatch,
  type TokenizerSpec,
  workerFile,
  z,
} from '../../src/plugin-api/index.js';
import { type EncodeResult, encodeBatches } from './encode-kernel.js';
import { packedTransfer, packSequences } from './packed-sequences.js';
import {
  batchSequences,
  describeBatch,
  invalidSequenceError,
  isTinyBatch,
  sequenceBatches,
  taskGroups,
} from './sequence-batches.js';
import { MAX_TOKENIZER_K, makeSpec } from './tokenizer.js';
import type { KmerResult, KmerTask } from './worker.js';

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
    const groups = taskGroups(sequenceBatches(ctx.inputs.in!, p['batch-size'], STAGE));
    const pack = (group: SequenceRecord[][]) => packSequences(batchSequences(group.flat()));
    const batchRows = (group: SequenceRecord[][]) => group.map((batch) => batch.length);
    const mapped = mapInOrder<SequenceRecord[][], KmerTask, KmerResult>(groups, {
      worker: workerFile(import.meta.url, './worker.js'),
      threads: p.threads ?? ctx.threads,
      signal: ctx.signal,
      isTiny: (group) => group.length === 1 && isTinyBatch(group[0]!),
      describe: (group) => describeBatch(group.flat()),
      inline: (group) => encodeBatches(pack(group), spec, batchRows(group)),
      toTask: (group) => {
        const packed = pack(group);
        return {
          task: { op: 'encode', packed, spec, batchRows: batchRows(group) },
          transfer: packedTransfer(packed),
        };
      },
    });
    for await (const { input: group, result } of mapped) {
      const encoded = result as EncodeResult;
      if ('invalid' in encoded) throw invalidSequenceError(STAGE, group.flat(), encoded.invalid);
      for (let b = 0; b < group.length; b++) yield tokenBatch(group[b]!, encoded.ids[b]!, spec);
    }
  },
});

function tokenBatch(batch: SequenceRecord[], ids: Int32Array, spec: TokenizerSpec): TokenBatch {
  const items = batch.map(({ seq: _seq, ...item }) => item);
  batch.forEach((record, row) => {
    // An invalid record still flows, as a row of [PAD] only.
    if (record.invalid !== undefined) ids.fill(0, row * spec.maxTokens, (row + 1) * spec.maxTokens);
  });
  return { ids, rows: batch.length, length: spec.maxTokens, spec, items };
}
