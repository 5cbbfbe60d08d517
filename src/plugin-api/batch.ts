import { type FastaRecord, type FastaText, fastaRecords } from './fasta-text.js';
import { formatLine } from './io.js';

/**
 * Batches: the fast path for stages that handle many small records. A stage may yield
 * `batch(records)` instead of each record, or `lineBlock(bytes)` for many lines of text at
 * once; and it may read `inputBatches(input)` (arrays of records) or `inputBytes(input)`
 * (whole lines as UTF-8) instead of iterating record by record. The engine moves batches
 * between stages whole, so text can flow from one command to the next without ever being
 * decoded or split into lines. Both ends may mix styles: a block is split only if asked.
 */
const BATCH = Symbol.for('genoflow.batch');

/** The method by which an engine stream hands out its batches as they arrive. */
export const BATCHES = Symbol.for('genoflow.batches');

export interface Batch<T> {
  readonly [BATCH]: true;
  /** How many records the batch holds. */
  readonly count: number;
  /** The records (a line block decodes and splits its bytes on first access). */
  readonly records: readonly T[];
  /** For a line block: the lines as UTF-8, each ending in `\n`. */
  readonly bytes?: Buffer;
  /** For a FASTA block: the records' text, for a stage that parses it itself (in a worker). */
  readonly fasta?: FastaText;
}

/** Wraps records yielded together; downstream still sees them one by one (or as arrays). */
export function batch<T>(records: readonly T[]): Batch<T> {
  return { [BATCH]: true, count: records.length, records };
}

/** Many lines as one chunk: empty, or UTF-8 ending in `\n`, with no `\r`. */
export function lineBlock(content: Buffer | string): Batch<string> {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  let count = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) count++;
  let lines: string[] | undefined;
  return {
    [BATCH]: true,
    count,
    bytes,
    get records() {
      lines ??= count ? bytes.toString('utf8', 0, bytes.length - 1).split('\n') : [];
      return lines;
    },
  };
}

/**
 * Whole FASTA records as text: `records` parses them on first access, so a stage that takes
 * `fasta` to its worker threads instead never pays for them on the main thread.
 */
export function fastaBlock(text: FastaText): Batch<FastaRecord> {
  let records: FastaRecord[] | undefined;
  return {
    [BATCH]: true,
    count: text.records,
    fasta: text,
    get records() {
      records ??= fastaRecords(text);
      return records;
    },
  };
}

export function isBatch(value: unknown): value is Batch<unknown> {
  return typeof value === 'object' && value !== null && (value as Batch<unknown>)[BATCH] === true;
}

type BatchSource<T> = AsyncIterable<T> & { [BATCHES]?: () => AsyncIterable<Batch<T>> };

/**
 * An input's batches as they arrive, whole (for what a batch carries besides its records);
 * an input without them is grouped 256 records at a time.
 */
export async function* batchesOf<T>(input: BatchSource<T>): AsyncGenerator<Batch<T>> {
  const fast = input[BATCHES];
  if (fast) {
    yield* fast.call(input);
    return;
  }
  let pending: T[] = [];
  for await (const record of input) {
    pending.push(record);
    if (pending.length >= 256) {
      yield batch(pending);
      pending = [];
    }
  }
  if (pending.length) yield batch(pending);
}

/** An input stream as arrays of records, as they arrive. */
export async function* inputBatches<T>(input: AsyncIterable<T>): AsyncGenerator<readonly T[]> {
  for await (const b of batchesOf(input)) if (b.count) yield b.records;
}

/** An input stream as UTF-8 bytes: each record as a line (see `formatLine`), many lines per chunk. */
export async function* inputBytes(input: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
  for await (const b of batchesOf(input)) {
    if (b.bytes !== undefined) {
      if (b.bytes.length) yield b.bytes;
    } else if (b.count) {
      let text = '';
      for (const record of b.records) text += `${formatLine(record)}\n`;
      yield Buffer.from(text);
    }
  }
}
