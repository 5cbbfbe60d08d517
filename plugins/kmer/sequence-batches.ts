import { batchesOf, type FastaText, inputBatches, type SequenceRecord } from '../../src/plugin-api/index.js';
import { type JoinedSequences, joinSequences } from './packed-sequences.js';

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
      const { seq } = checkedRecord(record, ++index, stage);
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

/** `record` (the `index`th of the input) as a sequence record, or the stage's error saying it is none. */
export function checkedRecord(record: unknown, index: number, stage: string): Partial<SequenceRecord> {
  const checked = (record ?? {}) as Partial<SequenceRecord>;
  if (
    typeof checked.id !== 'string' ||
    (typeof checked.seq !== 'string' && typeof checked.invalid !== 'string')
  ) {
    throw new Error(
      `${stage}: input record ${index} is not a sequence record, expected { id: string, seq: string }`,
    );
  }
  return checked;
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
export function describeBatch(batch: readonly { id: string }[]): string {
  const first = batch[0]?.id;
  const last = batch[batch.length - 1]?.id;
  return batch.length > 1 ? `sequences "${first}" to "${last}"` : `sequence "${first}"`;
}

/** The stage error for a bad base found by a kernel at `row` of `batch`. */
export function invalidSequenceError(
  stage: string,
  batch: readonly { id: string }[],
  invalid: { row: number; message: string },
): Error {
  return new Error(`${stage}: sequence "${batch[invalid.row]?.id}": ${invalid.message}`);
}

/**
 * Bases per pool task at least: smaller tasks spend more on messaging than on work, larger
 * ones hold more memory in flight (1 MiB tasks measured as fast, with ~60 MiB more RSS).
 */
export const TASK_BASES = 1 << 18;

/**
 * Output cells (rows x row length) per encode task at most, so that a task of short
 * sequences padded to long rows still holds a bounded number of bytes in flight.
 */
export const TASK_CELLS = 1 << 21;

/** A row's record without its sequence: what a token batch carries per row. */
export type SequenceItem = Omit<SequenceRecord, 'seq'>;

/** Consecutive batches as one flat task: the rows' items, their joined sequences, and where each batch ends. */
export interface SequenceGroup {
  items: SequenceItem[];
  /** The sequences to encode, '' for a record marked invalid; one per item. */
  joined: JoinedSequences;
  /** Rows of each batch, in order; they add up to `items.length`. */
  batchRows: number[];
  bases: number;
}

/** A block of FASTA text (from `fasta.read`) as one task, parsed where it is encoded. */
export interface FastaGroup {
  fasta: FastaText;
  /** Rows of each batch, in order; they add up to the block's records. */
  batchRows: number[];
}

/**
 * The batches `sequenceBatches` would make (at most `rows` records and about
 * MAX_BATCH_BASES bases each), grouped into tasks of about TASK_BASES bases and at most
 * TASK_CELLS output cells of `rowLength` each (the first task up to INLINE_BASES bases, so
 * that an input small enough to run inline is one task), built in one pass with no array per batch.
 * This runs on the main thread for every record, so it is kept lean; and a group keeps
 * only the items and one joined string, not the input records, so that those die young
 * (cheap for the garbage collector) while the group waits for its worker.
 * A block of FASTA text stays one group, unparsed: its records are read in the worker.
 */
export async function* sequenceGroups(
  input: AsyncIterable<unknown>,
  rows: number,
  rowLength: number,
  stage: string,
): AsyncGenerator<SequenceGroup | FastaGroup> {
  const taskRows = Math.max(rows, Math.floor(TASK_CELLS / rowLength));
  let items: SequenceItem[] = [];
  let seqs: string[] = [];
  let batchRows: number[] = [];
  let groupBases = 0;
  let batchStart = 0;
  let batchBasesSoFar = 0;
  let index = 0;
  let taskBases = INLINE_BASES;
  const group = (): SequenceGroup => {
    if (items.length > batchStart) batchRows.push(items.length - batchStart);
    const done = { items, joined: joinSequences(seqs), batchRows, bases: groupBases };
    taskBases = TASK_BASES;
    items = [];
    seqs = [];
    batchRows = [];
    groupBases = 0;
    batchStart = 0;
    batchBasesSoFar = 0;
    return done;
  };
  for await (const arrived of batchesOf(input)) {
    if (arrived.fasta) {
      if (items.length) yield group();
      index += arrived.count;
      yield { fasta: arrived.fasta, batchRows: rowsInBatches(arrived.count, rows) };
      continue;
    }
    for (const record of arrived.records) {
      const { seq, ...item } = checkedRecord(record, ++index, stage);
      items.push(item as SequenceItem);
      seqs.push(item.invalid === undefined ? seq! : '');
      const bases = seq?.length ?? 0;
      groupBases += bases;
      batchBasesSoFar += bases;
      const batchEnd = items.length;
      if (batchEnd - batchStart < rows && batchBasesSoFar < MAX_BATCH_BASES) continue;
      batchRows.push(batchEnd - batchStart);
      batchStart = batchEnd;
      batchBasesSoFar = 0;
      if (groupBases >= taskBases || batchEnd + rows > taskRows) yield group();
    }
  }
  if (items.length) yield group();
}

/** `total` rows cut into batches of `rows`. */
function rowsInBatches(total: number, rows: number): number[] {
  const batches: number[] = [];
  for (let left = total; left > 0; left -= rows) batches.push(Math.min(rows, left));
  return batches;
}
