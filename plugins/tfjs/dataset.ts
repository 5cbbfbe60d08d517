import type { TokenBatch, TokenizerSpec } from '../../src/plugin-api/index.js';
import { Rng } from '../../src/plugin-api/index.js';

/** Labelled rows of token ids held in memory for training: `rows × length`, row-major. */
export interface Dataset {
  ids: Int32Array;
  rows: number;
  length: number;
  /** Class index per row. */
  labels: Int32Array;
  /** Leading special tokens ([CLS]) that stay first when a row is shifted. */
  leading: number;
}

/** Rows of token batches that can be learnt from, with what was left out. */
export interface CollectedRows {
  spec: TokenizerSpec;
  length: number;
  ids: Int32Array[];
  labels: string[];
  /** Rows without a label or marked invalid, by reason. */
  skipped: { invalid: number; unlabelled: number };
}

/** Reads a token-batch stream into memory, keeping the labelled, valid rows. */
export async function collectRows(
  batches: AsyncIterable<unknown> | Iterable<unknown>,
  signal: AbortSignal,
): Promise<CollectedRows | null> {
  let spec: TokenizerSpec | undefined;
  let length = 0;
  const ids: Int32Array[] = [];
  const labels: string[] = [];
  const skipped = { invalid: 0, unlabelled: 0 };
  for await (const record of batches) {
    signal.throwIfAborted();
    const batch = record as TokenBatch;
    if (spec && specDifferences(spec, batch.spec).length) {
      throw new Error(
        `token batches disagree on the tokenizer: ${specDifferences(spec, batch.spec).join('; ')}`,
      );
    }
    spec ??= batch.spec;
    length = Math.max(length, batch.length);
    for (let r = 0; r < batch.rows; r++) {
      const item = batch.items[r]!;
      if (item.invalid) skipped.invalid++;
      else if (item.label === undefined || item.label === '') skipped.unlabelled++;
      else {
        ids.push(batch.ids.slice(r * batch.length, (r + 1) * batch.length));
        labels.push(item.label);
      }
    }
  }
  return spec ? { spec, length, ids, labels, skipped } : null;
}

/** Pads (with [PAD] = 0) or cuts one row of ids to `length`. */
export function fitRow(row: Int32Array, length: number): Int32Array {
  if (row.length === length) return row;
  const out = new Int32Array(length);
  out.set(row.subarray(0, length));
  return out;
}

/**
 * Writes `row` moved by `by` tokens (right when positive) into `out` at `offset`: its first
 * `leading` tokens stay in place, tokens moved past either end are dropped, [PAD] (0) fills.
 */
export function shiftRow(
  row: Int32Array,
  leading: number,
  by: number,
  out: Int32Array,
  offset: number,
): void {
  const body = row.subarray(leading);
  const target = out.subarray(offset + leading, offset + row.length);
  out.set(row.subarray(0, leading), offset);
  target.fill(0);
  if (by >= 0) target.set(body.subarray(0, Math.max(0, body.length - by)), Math.min(by, body.length));
  else target.set(body.subarray(Math.min(-by, body.length)));
}

/** Builds a dataset of `rows` indices (labels mapped to class indices). */
export function toDataset(rows: CollectedRows, classes: string[], length: number, pick?: number[]): Dataset {
  const index = new Map(classes.map((c, i) => [c, i]));
  const chosen = pick ?? rows.ids.map((_, i) => i);
  const ids = new Int32Array(chosen.length * length);
  const labels = new Int32Array(chosen.length);
  chosen.forEach((r, i) => {
    ids.set(fitRow(rows.ids[r]!, length), i * length);
    const label = index.get(rows.labels[r]!);
    if (label === undefined)
      throw new Error(`label "${rows.labels[r]}" is not one of the model's classes ${classes.join(', ')}`);
    labels[i] = label;
  });
  return { ids, rows: chosen.length, length, labels, leading: rows.spec.addCls ? 1 : 0 };
}

/** Row indices grouped by label, each group shuffled by `seed` (for stratified splits). */
function shuffledByClass(labels: string[], seed: number): number[][] {
  const rng = new Rng(seed);
  const groups = new Map<string, number[]>();
  labels.forEach((label, i) => {
    let group = groups.get(label);
    if (!group) groups.set(label, (group = []));
    group.push(i);
  });
  return [...groups.keys()].sort().map((label) => rng.shuffle(groups.get(label)!));
}

/** A stratified split: `fraction` of each class (at least one row when it has two) held out. */
export function stratifiedSplit(
  labels: string[],
  fraction: number,
  seed: number,
): { train: number[]; valid: number[] } {
  const train: number[] = [];
  const valid: number[] = [];
  for (const group of shuffledByClass(labels, seed)) {
    const held = fraction > 0 && group.length > 1 ? Math.max(1, Math.round(group.length * fraction)) : 0;
    valid.push(...group.slice(0, held));
    train.push(...group.slice(held));
  }
  return { train: train.sort((a, b) => a - b), valid: valid.sort((a, b) => a - b) };
}

/** Stratified K folds: each class dealt round-robin over the folds after a seeded shuffle. */
export function stratifiedFolds(labels: string[], k: number, seed: number): number[][] {
  const folds: number[][] = Array.from({ length: k }, () => []);
  let turn = 0;
  for (const group of shuffledByClass(labels, seed)) for (const row of group) folds[turn++ % k]!.push(row);
  return folds.map((fold) => fold.sort((a, b) => a - b));
}

/** The fields in which two tokenizer specs differ, as `field: a != b`. */
export function specDifferences(expected: TokenizerSpec, actual: TokenizerSpec): string[] {
  const fields = Object.keys({ ...expected, ...actual }) as Array<keyof TokenizerSpec>;
  return fields
    .filter((f) => JSON.stringify(expected[f]) !== JSON.stringify(actual[f]))
    .map((f) => `${f}: model ${JSON.stringify(expected[f])} != input ${JSON.stringify(actual[f])}`);
}

/** sklearn's "balanced" weights n / (k · n_c), or all ones. */
export function classWeights(labels: Int32Array, classes: number, mode: 'balanced' | 'none'): Float32Array {
  const weights = new Float32Array(classes).fill(1);
  if (mode === 'none') return weights;
  const counts = new Array<number>(classes).fill(0);
  for (const l of labels) counts[l]!++;
  counts.forEach((n, c) => {
    weights[c] = n ? labels.length / (classes * n) : 0;
  });
  return weights;
}
