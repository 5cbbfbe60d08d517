import { inputBatches, type SequenceRecord } from '../../src/plugin-api/index.js';

/** Bases per batch at most, so a batch of long sequences (chromosomes) stays a moderate task. */
export const MAX_BATCH_BASES = 8 << 20;

/**
 * Groups sequence records into batches of at most `rows` records and about MAX_BATCH_BASES
 * bases, checking each is a sequence record.
 */
export async function* sequenceBatches(
  records: AsyncIterable<unknown>,
  rows: number,
  stage: string,
): AsyncGenerator<SequenceRecord[]> {
  let batch: SequenceRecord[] = [];
  let bases = 0;
  let index = 0;
  // Arrays of records as the engine moves them: no per-record await.
  for await (const arrived of inputBatches(records)) {
    for (const record of arrived) {
      index++;
      const { id, seq, invalid } = (record ?? {}) as Partial<SequenceRecord>;
      if (typeof id !== 'string' || (typeof seq !== 'string' && typeof invalid !== 'string')) {
        throw new Error(
          `${stage}: input record ${index} is not a sequence record, expected { id: string, seq: string }`,
        );
      }
      batch.push(record as SequenceRecord);
      bases += seq?.length ?? 0;
      if (batch.length >= rows || bases >= MAX_BATCH_BASES) {
        yield batch;
        batch = [];
        bases = 0;
      }
    }
  }
  if (batch.length) yield batch;
}

/** The sequences of a batch to pack for a kernel; records marked invalid give ''. */
export function batchSequences(batch: readonly SequenceRecord[]): string[] {
  return batch.map((record) => (record.invalid === undefined ? record.seq : ''));
}

/** Total bases of a batch. */
export function batchBases(batch: readonly SequenceRecord[]): number {
  let n = 0;
  for (const record of batch) n += record.seq?.length ?? 0;
  return n;
}

/**
 * The inline rule shared by the kmer stages: an input that is a single batch of under
 * INLINE_BASES bases runs in the main thread, where starting worker threads (tens of
 * milliseconds) would cost more than the work itself.
 */
export const INLINE_BASES = 1 << 20;

export function isTinyBatch(batch: readonly SequenceRecord[]): boolean {
  return batchBases(batch) < INLINE_BASES;
}

/** A readable name for a batch in error messages. */
export function describeBatch(batch: readonly SequenceRecord[]): string {
  const first = batch[0]?.id;
  const last = batch[batch.length - 1]?.id;
  return batch.length > 1 ? `sequences "${first}" to "${last}"` : `sequence "${first}"`;
}

/** The stage error for a bad base found by a kernel at `row` of `batch`. */
export function invalidSequenceError(
  stage: string,
  batch: readonly SequenceRecord[],
  invalid: { row: number; message: string },
): Error {
  return new Error(`${stage}: sequence "${batch[invalid.row]?.id}": ${invalid.message}`);
}

/** Bases per pool task at least: smaller tasks spend more on messaging than on work. */
export const TASK_BASES = 1 << 20;

/** Consecutive batches grouped into pool tasks of about TASK_BASES bases. */
export async function* taskGroups(
  batches: AsyncIterable<SequenceRecord[]>,
): AsyncGenerator<SequenceRecord[][]> {
  let group: SequenceRecord[][] = [];
  let bases = 0;
  for await (const batch of batches) {
    group.push(batch);
    bases += batchBases(batch);
    if (bases >= TASK_BASES) {
      yield group;
      group = [];
      bases = 0;
    }
  }
  if (group.length) yield group;
}
