import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { StageContext, TokenBatch } from '../../../src/plugin-api/index.js';
import { useBackend } from '../backend.js';
import { fitRow, specDifferences } from '../dataset.js';
import { recordInferenceBackend, useInferenceBackend } from '../inference-backend.js';
import { bundleOnnx } from '../onnx-export.js';
import { createOnnxPredictor, type OnnxPredictor } from '../onnx-runtime.js';
import type { BackendChoice } from '../params.js';
import { loadModelFor } from '../predict-run.js';
import { type TrackValue, writeBedGraph } from './bedgraph.js';
import {
  type EmbeddingSplit,
  type GradientMethod,
  splitAtEmbedding,
  tokenAttributions,
} from './gradients.js';
import type { InterpretParams } from './interpret.js';
import { attributionCharts } from './interpret-report.js';
import {
  canFastIsm,
  classColumn,
  fastIsm,
  type IsmInput,
  type IsmScores,
  naiveIsm,
  naiveIsmBatches,
} from './ism.js';
import {
  BASE_LETTERS,
  baseAttributions,
  firstBaseOnGenome,
  N_CODE,
  rowBases,
  rowLayout,
} from './token-bases.js';

/** Port `attribution`: one sequence's per-base attributions for the chosen class. */
export interface AttributionRecord {
  id: string;
  label?: string;
  /** The bases the model saw (N where unknown). */
  bases: string;
  scores: number[];
  /** The model's score of the sequence itself. */
  score: number;
  /** Genome coordinates of the first base, when the record had a locus. */
  chrom?: string;
  start?: number;
  /** ISM only: `ism[pos * 4 + base]` = score with that base (A C G T). */
  ism?: number[];
}

const format = (x: number) => (Number.isNaN(x) ? 'NA' : String(Number(x.toPrecision(6))));

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

export async function* run(ctx: StageContext<InterpretParams>) {
  const p = ctx.params;
  // onnxruntime gives no gradients and no fastISM: only naive ISM runs there, when asked for.
  const onnx = p.backend === 'onnx';
  if (onnx && (p.method !== 'ism' || p.ism === 'fast'))
    throw new Error(
      `${ctx.stageName}: backend onnx runs naive ISM only (${p.method === 'ism' ? 'ism: fast' : p.method} needs TensorFlow.js): use backend auto, wasm, cpu or node`,
    );
  const backend = onnx ? await useInferenceBackend('onnx') : await useBackend(p.backend as BackendChoice);
  await recordInferenceBackend(ctx, backend);
  const { path, bundle } = await loadModelFor(ctx, p.model);
  const { models, classes, spec } = bundle;
  const length = bundle.training.length;
  const classIndex = p.class === undefined ? classes.length - 1 : classes.indexOf(p.class);
  if (classIndex < 0)
    throw new Error(`${ctx.stageName}: class "${p.class}" is not one of the model's (${classes.join(', ')})`);
  const layout = rowLayout(spec, length, `${ctx.stageName}: ${path}`);
  const fast = p.method === 'ism' && !onnx && p.ism !== 'naive' && models.every(canFastIsm);
  const onnxPredictor = onnx
    ? await createOnnxPredictor(bundleOnnx(bundle, path, ctx.log), {
        length,
        classes: classes.length,
        batchSize: p['batch-size'],
        threads: Math.max(1, ctx.threads),
      })
    : undefined;
  if (p.method === 'ism' && p.ism === 'fast' && !fast)
    throw new Error(
      `${ctx.stageName}: ism: fast needs a CNN (Embedding → Conv1D, padding same); ${path} is a ${bundle.training.params.model}`,
    );
  if (p.method === 'ism') ctx.log.info(`ISM: ${fast ? 'fast' : 'naive'}`);
  const outDir = ctx.resolvePath(p.out);
  await mkdir(outDir, { recursive: true });
  const ismFile = join(outDir, 'ism.tsv');
  const attributionsFile = join(outDir, 'attributions.tsv');
  const ismOut = p.method === 'ism' ? createWriteStream(ismFile) : null;
  const attributionsOut = createWriteStream(attributionsFile);
  ismOut?.write('id\tpos\tref\talt\tscore_ref\tscore_alt\tdelta\n');
  attributionsOut.write('id\tpos\tbase\tscore\n');
  const track: TrackValue[] = [];
  const shown: AttributionRecord[] = [];
  let explained = 0;
  let stepsUsed = 0;
  let chosen: AttributionRecord | undefined;
  const splits = p.method === 'ism' ? [] : models.map((m) => splitAtEmbedding(m, length, classIndex));
  try {
    for await (const value of ctx.inputs.in!) {
      ctx.signal.throwIfAborted();
      const batch = value as TokenBatch;
      const differences = specDifferences(spec, batch.spec);
      if (differences.length)
        throw new Error(
          `${path}: the model was trained with another tokenizer than its input: ${differences.join('; ')}`,
        );
      const valid = batch.items.flatMap((item, r) => (item.invalid ? [] : [r]));
      if (valid.length < batch.items.length) ctx.progress.count('invalid', batch.items.length - valid.length);
      if (!valid.length) continue;
      const ids = new Int32Array(valid.length * length);
      for (const [i, r] of valid.entries())
        ids.set(fitRow(batch.ids.subarray(r * batch.length, (r + 1) * batch.length), length), i * length);
      const bases = valid.map((_, i) => rowBases(ids.subarray(i * length, (i + 1) * length), layout));
      let perBase: Float32Array[];
      let ism: IsmScores[] | undefined;
      let refScores: number[];
      if (p.method === 'ism') {
        const input = { ids, bases, layout, classIndex, batchSize: p['batch-size'] };
        ism = onnxPredictor
          ? await onnxIsm(onnxPredictor, input)
          : fast
            ? fastIsm(models, input)
            : naiveIsm(models, input);
        refScores = ism.map((s) => s.ref);
        // A base's ISM attribution: how much the score falls when it is replaced (the mean over its three alternatives).
        perBase = ism.map((s, r) =>
          Float32Array.from(bases[r]!, (b, pos) => {
            if (b === N_CODE) return Number.NaN;
            let sum = 0;
            for (let alt = 0; alt < 4; alt++) if (alt !== b) sum += s.alt[pos * 4 + alt]!;
            return s.ref - sum / 3;
          }),
        );
      } else {
        const options = {
          method: p.method as GradientMethod,
          steps: p.steps,
          tolerance: p.tolerance,
          onIntegrated: (steps: number, gap: number) => {
            if (gap > p.tolerance)
              ctx.log.warn(
                `integrated gradients: ${steps} steps leave a completeness gap of ${(gap * 100).toFixed(1)}% (tolerance ${p.tolerance * 100}%)`,
              );
            if (steps > stepsUsed) {
              stepsUsed = steps;
              if (steps > p.steps)
                ctx.log.info(`integrated gradients: ${steps} steps to complete within ${p.tolerance * 100}%`);
            }
          },
          baseline: p.baseline,
          seed: p.seed,
        };
        const tokens = splits.map((split) => tokenAttributions(split, ids, bases, layout, options));
        const mean = tokens[0]!.map((_, i) => tokens.reduce((s, t) => s + t[i]!, 0) / tokens.length);
        perBase = bases.map((b, r) =>
          baseAttributions(mean.subarray(r * length, (r + 1) * length), b.length, layout),
        );
        refScores = meanScores(splits, ids, valid.length);
      }
      for (const [i, r] of valid.entries()) {
        const item = batch.items[r]!;
        const seq = Array.from(bases[i]!, (b) => BASE_LETTERS[b]).join('');
        const scores = perBase[i]!;
        const record: AttributionRecord = {
          id: item.id,
          bases: seq,
          scores: Array.from(scores),
          score: refScores[i]!,
        };
        if (item.label !== undefined) record.label = item.label;
        let text = '';
        for (let pos = 0; pos < seq.length; pos++)
          text += `${item.id}\t${pos}\t${seq[pos]}\t${format(scores[pos]!)}\n`;
        await write(attributionsOut, text);
        if (ism && ismOut) {
          const s = ism[i]!;
          record.ism = Array.from(s.alt);
          let lines = '';
          for (let pos = 0; pos < seq.length; pos++) {
            const ref = bases[i]![pos]!;
            if (ref === N_CODE) continue;
            for (let alt = 0; alt < 4; alt++) {
              if (alt === ref) continue;
              const value = s.alt[pos * 4 + alt]!;
              lines += `${item.id}\t${pos}\t${seq[pos]}\t${BASE_LETTERS[alt]}\t${format(s.ref)}\t${format(value)}\t${format(value - s.ref)}\n`;
            }
          }
          await write(ismOut, lines);
        }
        const locus = firstBaseOnGenome(item, spec, seq.length, layout);
        if (locus) {
          const { chrom, start } = locus;
          record.chrom = chrom;
          record.start = start;
          for (let pos = 0; pos < seq.length; pos++)
            if (!Number.isNaN(scores[pos]!)) track.push({ chrom, pos: start + pos, value: scores[pos]! });
        }
        keepTop(shown, record);
        if (record.id === p.show) chosen = record;
        yield record;
      }
      explained += valid.length;
      ctx.progress.status(`${explained} sequences explained`);
    }
  } finally {
    for (const model of models) model.dispose();
    await onnxPredictor?.dispose();
    await Promise.all([ismOut, attributionsOut].map((s) => s && new Promise((done) => s.end(done))));
  }
  ctx.declareOutputFile(attributionsFile);
  if (ismOut) ctx.declareOutputFile(ismFile);
  if (track.length) {
    const bedGraph = join(outDir, 'attributions.bedgraph.gz');
    await writeBedGraph(bedGraph, track);
    ctx.declareOutputFile(bedGraph);
    ctx.declareOutputFile(`${bedGraph}.tbi`);
  }
  if (p.show !== undefined && !chosen) ctx.log.warn(`show: no sequence "${p.show}" was explained`);
  for (const section of attributionCharts(shown, chosen ?? shown[0], p.method)) ctx.report(section);
}

/** Naive ISM with onnxruntime scoring the rows (an ensemble's model.onnx is the members' mean). */
async function onnxIsm(predictor: OnnxPredictor, input: IsmInput): Promise<IsmScores[]> {
  const score = async (ids: Int32Array, rows: number) =>
    classColumn(await predictor.predict(ids, rows), rows, input.classIndex);
  const { scores, batches } = naiveIsmBatches(input, await score(input.ids, input.bases.length));
  for (const batch of batches) batch.place(await score(batch.ids, batch.rows));
  return scores;
}

/** The class score of each row: the mean over the members. */
function meanScores(splits: EmbeddingSplit[], ids: Int32Array, rows: number): number[] {
  const sums = new Float64Array(rows);
  for (const split of splits) {
    const scores = tf.tidy(() => split.score(split.embed(ids, rows)));
    scores.dataSync().forEach((v, r) => {
      sums[r]! += v;
    });
    scores.dispose();
  }
  return Array.from(sums, (s) => s / splits.length);
}

/** How many of the best-scoring sequences the report shows. */
const REPORT_ROWS = 20;

/** Keeps the REPORT_ROWS highest-scoring records, best first. */
function keepTop(top: AttributionRecord[], record: AttributionRecord): void {
  if (top.length === REPORT_ROWS && !(record.score > top.at(-1)!.score)) return;
  const at = top.findIndex((r) => !(r.score >= record.score));
  top.splice(at < 0 ? top.length : at, 0, record);
  if (top.length > REPORT_ROWS) top.pop();
}
