/**
 * Batches: the fast path for stages that handle many small records. A stage may yield
 * `batch(records)` instead of each record, and read `inputBatches(ctx.inputs.in)` instead
 * of iterating record by record; the engine moves whole arrays between stages, so the
 * per-record cost is an array push rather than an async step. Both ends may mix styles.
 */
const BATCH = Symbol.for('genoflow.batch');

/** The method by which an engine stream hands out whole arrays of records. */
export const BATCHES = Symbol.for('genoflow.batches');

export interface Batch<T> {
  readonly [BATCH]: true;
  readonly records: readonly T[];
}

/** Wraps records yielded together; downstream still sees them one by one (or as arrays). */
export function batch<T>(records: readonly T[]): Batch<T> {
  return { [BATCH]: true, records };
}

export function isBatch(value: unknown): value is Batch<unknown> {
  return typeof value === 'object' && value !== null && (value as Batch<unknown>)[BATCH] === true;
}

/** An input stream as arrays of records, as they arrive. */
export async function* inputBatches<T>(input: AsyncIterable<T>): AsyncGenerator<T[]> {
  const fast = (input as { [BATCHES]?: () => AsyncIterable<T[]> })[BATCHES];
  if (fast) {
    yield* fast.call(input);
    return;
  }
  let pending: T[] = [];
  for await (const record of input) {
    pending.push(record);
    if (pending.length >= 256) {
      yield pending;
      pending = [];
    }
  }
  if (pending.length) yield pending;
}
