import * as tf from '@tensorflow/tfjs';
import { foldEmbeddingConv } from '../embedding-conv.js';
import { createEnsemblePredictor } from '../inference.js';
import { N_CODE, type RowLayout, writeMutantRow } from './token-bases.js';

/** One sequence's ISM: `alt[pos * 4 + base]` is the score with base `pos` made `base` (the ref's entry: `ref`). */
export interface IsmScores {
  ref: number;
  alt: Float32Array;
}

export interface IsmInput {
  /** Reference rows, row-major, `layout.length` wide. */
  ids: Int32Array;
  /** Each row's bases (N_CODE: not mutated). */
  bases: Uint8Array[];
  layout: RowLayout;
  classIndex: number;
  batchSize: number;
}

/** Of class probabilities for `rows` rows (row-major), the column of `classIndex`. */
export function classColumn(probs: Float32Array, rows: number, classIndex: number): Float32Array {
  const classes = probs.length / rows;
  return Float32Array.from({ length: rows }, (_, r) => probs[r * classes + classIndex]!);
}

/** The score of `classIndex` for each row of ids: the mean over an ensemble's members. */
function classScores(models: readonly tf.LayersModel[], ids: Int32Array, rows: number, input: IsmInput) {
  const predictor = createEnsemblePredictor(models, input.layout.length, input.batchSize, rows);
  try {
    return classColumn(predictor.predict(ids, rows), rows, input.classIndex);
  } finally {
    predictor.dispose();
  }
}

/** The mutants of every row: 3 per known base, in row, position, base order. */
function mutants(input: IsmInput): { row: number; pos: number; alt: number }[] {
  const list: { row: number; pos: number; alt: number }[] = [];
  input.bases.forEach((bases, row) => {
    for (let pos = 0; pos < bases.length; pos++) {
      if (bases[pos] === N_CODE) continue;
      for (let alt = 0; alt < 4; alt++) if (alt !== bases[pos]) list.push({ row, pos, alt });
    }
  });
  return list;
}

function emptyScores(input: IsmInput, refScores: Float32Array): IsmScores[] {
  return input.bases.map((bases, r) => {
    const alt = new Float32Array(bases.length * 4).fill(Number.NaN);
    bases.forEach((b, pos) => {
      if (b !== N_CODE) alt[pos * 4 + b] = refScores[r]!;
    });
    return { ref: refScores[r]!, alt };
  });
}

/** One batch of naive ISM's mutant rows, and where their scores go. */
export interface MutantBatch {
  ids: Int32Array;
  rows: number;
  place(scores: Float32Array): void;
}

/**
 * Naive ISM as batches of mutant rows (`batchSize` at a time, one buffer reused: score each
 * batch before taking the next), for any scorer: `refScores` are the rows' own scores.
 */
export function naiveIsmBatches(
  input: IsmInput,
  refScores: Float32Array,
): { scores: IsmScores[]; batches: Iterable<MutantBatch> } {
  const { layout } = input;
  const scores = emptyScores(input, refScores);
  const list = mutants(input);
  const chunk = input.batchSize;
  const ids = new Int32Array(chunk * layout.length);
  function* batches(): Generator<MutantBatch> {
    for (let start = 0; start < list.length; start += chunk) {
      const part = list.slice(start, start + chunk);
      part.forEach(({ row, pos, alt }, m) => {
        const target = ids.subarray(m * layout.length, (m + 1) * layout.length);
        target.set(input.ids.subarray(row * layout.length, (row + 1) * layout.length));
        writeMutantRow(input.bases[row]!, pos, alt, layout, target);
      });
      yield {
        ids,
        rows: part.length,
        place: (values) =>
          part.forEach(({ row, pos, alt }, m) => {
            scores[row]!.alt[pos * 4 + alt] = values[m]!;
          }),
      };
    }
  }
  return { scores, batches: batches() };
}

/** Naive ISM on tfjs: every mutant row through the whole model. */
export function naiveIsm(models: readonly tf.LayersModel[], input: IsmInput): IsmScores[] {
  const rows = input.bases.length;
  const { scores, batches } = naiveIsmBatches(input, classScores(models, input.ids, rows, input));
  for (const batch of batches) batch.place(classScores(models, batch.ids, batch.rows, input));
  return scores;
}

/** Whether fast ISM applies: Embedding → Conv1D ('same', stride 1) [→ more such Conv1D] → the rest. */
export function canFastIsm(model: tf.LayersModel): boolean {
  return fastPlan(model) !== null;
}

interface ConvStep {
  layer: tf.layers.Layer;
  taps: number;
  /** Taps left of the centre ('same' padding). */
  left: number;
}

function fastPlan(model: tf.LayersModel) {
  const fold = foldEmbeddingConv(model);
  const first = model.layers[1];
  if (!fold || !first || !convStep(first)) return null;
  const convs: ConvStep[] = [convStep(first)!];
  let rest = fold.rest;
  while (rest[0] && convStep(rest[0])) {
    convs.push(convStep(rest[0])!);
    rest = rest.slice(1);
  }
  return { fold, convs, rest };
}

function convStep(layer: tf.layers.Layer): ConvStep | null {
  if (layer.getClassName() !== 'Conv1D') return null;
  const c = layer.getConfig() as {
    padding: string;
    strides: number | number[];
    dilationRate: number | number[];
  };
  const one = (v: number | number[]) => (Array.isArray(v) ? v.every((x) => x === 1) : v === 1);
  if (c.padding !== 'same' || !one(c.strides) || !one(c.dilationRate)) return null;
  const taps = layer.getWeights()[0]!.shape[0]!;
  return { layer, taps, left: Math.floor((taps - 1) / 2) };
}

/**
 * Fast ISM (the fastISM idea): a substitution changes k tokens, and through each 'same'
 * convolution of t taps only the outputs within its reach; so the reference activations
 * are computed once, and for each position only the changed window is recomputed — the
 * first convolution through the embedding-conv tables as the predictor does, later ones on
 * the window plus its halo of reference activations — and spliced into the reference. A
 * global max pool then needs only the window's maximum beside the reference's prefix and
 * suffix maxima; other layers get the spliced whole. Equal to naiveIsm up to float
 * summation order in the later convolutions (the first is bit-identical).
 */
export function fastIsm(models: readonly tf.LayersModel[], input: IsmInput): IsmScores[] {
  const rows = input.bases.length;
  const sums = models.map((model) => fastIsmOfModel(model, input));
  const out = emptyScores(input, classScores(models, input.ids, rows, input));
  for (let r = 0; r < rows; r++) {
    const { alt } = out[r]!;
    for (let i = 0; i < alt.length; i++) {
      if (!Number.isNaN(sums[0]![r]![i]!)) {
        let s = 0;
        for (const m of sums) s += m[r]![i]!;
        alt[i] = s / models.length;
      }
    }
  }
  return out;
}

/** One model's mutant scores (rows × bases × 4, NaN where not a mutant). */
function fastIsmOfModel(model: tf.LayersModel, input: IsmInput): Float32Array[] {
  const plan = fastPlan(model);
  if (!plan) throw new Error('fast ISM needs a CNN (Embedding → Conv1D with padding same)');
  const { fold, convs, rest } = plan;
  const { layout, classIndex } = input;
  const { length } = layout;
  const rows = input.bases.length;
  const out = input.bases.map((b) => new Float32Array(b.length * 4).fill(Number.NaN));
  const tables = fold.tables();
  // Reference activations after each convolution: [rows, length, filters].
  const refs: tf.Tensor3D[] = [fold.convolve(tables, input.ids, rows, length)];
  for (const step of convs.slice(1))
    refs.push(step.layer.apply(refs.at(-1)!, { training: false }) as tf.Tensor3D);
  const pooled = rest[0]?.getClassName() === 'GlobalMaxPooling1D';
  const last = refs.at(-1)!;
  const filters = last.shape[2];
  const filters0 = refs[0]!.shape[2];
  const prefix = pooled ? runningMax(last.dataSync() as Float32Array, rows, length, filters) : null;
  const tableValues = tables.map((t) => t.dataSync() as Float32Array);
  try {
    const longest = Math.max(...input.bases.map((b) => b.length));
    for (let pos = 0; pos < longest; pos++) {
      const list: { row: number; alt: number }[] = [];
      input.bases.forEach((bases, row) => {
        if (pos >= bases.length || bases[pos] === N_CODE) return;
        for (let alt = 0; alt < 4; alt++) if (alt !== bases[pos]) list.push({ row, alt });
      });
      if (!list.length) continue;
      // Token span any row's substitution at pos can change (rows differ only in length).
      const from = layout.first + Math.max(0, pos - layout.k + 1);
      const to = layout.first + pos;
      for (let start = 0; start < list.length; start += input.batchSize) {
        const part = list.slice(start, start + input.batchSize);
        const ids = new Int32Array(part.length * length);
        part.forEach(({ row, alt }, m) => {
          const target = ids.subarray(m * length, (m + 1) * length);
          target.set(input.ids.subarray(row * length, (row + 1) * length));
          writeMutantRow(input.bases[row]!, pos, alt, layout, target);
        });
        const scores = tf.tidy(() => {
          const rowIndex = tf.tensor1d(
            part.map((p) => p.row),
            'int32',
          );
          let a = Math.max(0, from - (convs[0]!.taps - 1 - convs[0]!.left));
          let b = Math.min(length - 1, to + convs[0]!.left);
          const first = windowConvolve(tableValues, ids, part.length, length, a, b, convs[0]!, filters0);
          let window: tf.Tensor3D | null = null;
          const windowTensor = () => window ?? tf.tensor3d(first, [part.length, b - a + 1, filters0]);
          for (const [l, step] of convs.entries()) {
            if (l === 0) continue;
            const na = Math.max(0, a - (step.taps - 1 - step.left));
            const nb = Math.min(length - 1, b + step.left);
            // The input this layer's window reads: [na - left, nb + right], zeros beyond the row.
            const lo = na - step.left;
            const hi = nb + (step.taps - 1 - step.left);
            const previous = tf.gather(refs[l - 1]!, rowIndex);
            const parts: tf.Tensor3D[] = [];
            const channels = previous.shape[2]!;
            if (lo < 0) parts.push(tf.zeros([part.length, -lo, channels]));
            if (a > Math.max(lo, 0))
              parts.push(tf.slice(previous, [0, Math.max(lo, 0), 0], [-1, a - Math.max(lo, 0), -1]));
            parts.push(windowTensor());
            if (Math.min(hi, length - 1) > b)
              parts.push(tf.slice(previous, [0, b + 1, 0], [-1, Math.min(hi, length - 1) - b, -1]));
            if (hi > length - 1) parts.push(tf.zeros([part.length, hi - (length - 1), channels]));
            const [kernel, bias] = step.layer.getWeights();
            let sum: tf.Tensor = tf.conv1d(
              tf.concat(parts, 1) as tf.Tensor3D,
              kernel as tf.Tensor3D,
              1,
              'valid',
            );
            if (bias) sum = tf.add(sum, bias);
            const activation = (step.layer.getConfig() as { activation: string }).activation;
            window = (activation === 'relu' ? tf.relu(sum) : sum) as tf.Tensor3D;
            a = na;
            b = nb;
          }
          let x: tf.Tensor;
          let layers = rest;
          if (prefix) {
            const windowMax = window
              ? (tf.max(window, 1).dataSync() as Float32Array)
              : maxOverPositions(first, part.length, filters);
            const merged = new Float32Array(part.length * filters);
            part.forEach(({ row }, m) => {
              const before = prefix.before.subarray((row * (length + 1) + a) * filters);
              const after = prefix.after.subarray((row * (length + 1) + b + 1) * filters);
              for (let f = 0; f < filters; f++)
                merged[m * filters + f] = Math.max(before[f]!, after[f]!, windowMax[m * filters + f]!);
            });
            x = tf.tensor2d(merged, [part.length, filters]);
            layers = rest.slice(1);
          } else {
            const reference = tf.gather(last, rowIndex);
            const pieces = [windowTensor()];
            if (a > 0) pieces.unshift(tf.slice(reference, [0, 0, 0], [-1, a, -1]));
            if (b < length - 1) pieces.push(tf.slice(reference, [0, b + 1, 0], [-1, length - 1 - b, -1]));
            x = tf.concat(pieces, 1);
          }
          for (const layer of layers) x = layer.apply(x, { training: false }) as tf.Tensor;
          return x;
        });
        const probs = scores.dataSync() as Float32Array;
        scores.dispose();
        const classes = probs.length / part.length;
        part.forEach(({ row, alt }, m) => {
          out[row]![pos * 4 + alt] = probs[m * classes + classIndex]!;
        });
      }
    }
  } finally {
    tf.dispose([...tables, ...refs]);
  }
  return out;
}

/**
 * The first convolution's output at positions a … b of `rows` rows of ids, [rows, width,
 * filters]: the sum over taps of table rows, in float32 and in the order fold.convolve's
 * addN adds them (so bit-identical to it), then the activation. In plain JS: for a window
 * of a dozen positions this beats a dozen tfjs ops per substitution by far.
 */
function windowConvolve(
  tables: Float32Array[],
  ids: Int32Array,
  rows: number,
  length: number,
  a: number,
  b: number,
  step: ConvStep,
  filters: number,
): Float32Array {
  const width = b - a + 1;
  const out = new Float32Array(rows * width * filters);
  const relu = (step.layer.getConfig() as { activation: string }).activation === 'relu';
  const vocab = tables[0]!.length / filters - 1;
  const taps = tables.length;
  const rowsOfTap = new Int32Array(taps);
  for (let r = 0; r < rows; r++) {
    for (let i = a; i <= b; i++) {
      const at = (r * width + i - a) * filters;
      for (let t = 0; t < taps; t++) {
        const j = i + t - step.left;
        rowsOfTap[t] = (j >= 0 && j < length ? ids[r * length + j]! : vocab) * filters;
      }
      for (let f = 0; f < filters; f++) {
        // Float32 sums tap by tap, as addN rounds them.
        let sum = tables[0]![rowsOfTap[0]! + f]!;
        for (let t = 1; t < taps; t++) sum = Math.fround(sum + tables[t]![rowsOfTap[t]! + f]!);
        out[at + f] = relu && !(sum > 0) ? 0 : sum;
      }
    }
  }
  return out;
}

/** The maximum over positions of [rows, width, filters] values: [rows, filters]. */
function maxOverPositions(values: Float32Array, rows: number, filters: number): Float32Array {
  const width = values.length / (rows * filters);
  const out = new Float32Array(rows * filters).fill(Number.NEGATIVE_INFINITY);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < width; i++) {
      const at = (r * width + i) * filters;
      for (let f = 0; f < filters; f++)
        out[r * filters + f] = Math.max(out[r * filters + f]!, values[at + f]!);
    }
  }
  return out;
}

/**
 * Per row and filter, the maximum of the activations before each position
 * (`before[(r·(length+1) + i)·filters + f]` = max over [0, i)) and from it on (`after`: over [i, length)).
 */
function runningMax(values: Float32Array, rows: number, length: number, filters: number) {
  const before = new Float32Array(rows * (length + 1) * filters).fill(Number.NEGATIVE_INFINITY);
  const after = new Float32Array(rows * (length + 1) * filters).fill(Number.NEGATIVE_INFINITY);
  for (let r = 0; r < rows; r++) {
    const base = r * (length + 1) * filters;
    for (let i = 0; i < length; i++) {
      for (let f = 0; f < filters; f++) {
        const v = values[(r * length + i) * filters + f]!;
        before[base + (i + 1) * filters + f] = Math.max(before[base + i * filters + f]!, v);
      }
    }
    for (let i = length - 1; i >= 0; i--) {
      for (let f = 0; f < filters; f++) {
        const v = values[(r * length + i) * filters + f]!;
        after[base + i * filters + f] = Math.max(after[base + (i + 1) * filters + f]!, v);
      }
    }
  }
  return { before, after };
}
