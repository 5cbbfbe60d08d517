import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng, type StageContext, writeOutput } from '../../src/plugin-api/index.js';
import { useBackend } from './backend.js';
import { averagePrecision, meanAndSd, roc_auc } from './metrics.js';
import type { RiskParams } from './risk.js';
import { columnScales, fitRiskModel, type RiskFitOptions, standardised } from './risk-model.js';
import { outcomes, stratifiedFolds } from './risk-phenotypes.js';

/** The fields of a `genotype-matrix` (vcf.genotypes) this stage reads. */
interface GenotypeMatrixLike {
  samples: string[];
  variants: Array<{ id: string; chrom: string; pos: number; ref: string; alt: string; maf: number }>;
  dosage: Float32Array;
}

/** Port `record` out: one sample's out-of-fold risk. */
export interface RiskScore {
  sample: string;
  phenotype: string | number;
  case: number;
  /** Predicted probability of being a case, by the model fitted without the sample's fold. */
  score: number;
  fold: number;
}

const IMPORTANCE = {
  logistic: 'logistic coefficient: change in log-odds per standard deviation of ALT dosage',
  mlp: 'L2 norm of the first-layer weights of the variant (unsigned)',
};

export async function* run(ctx: StageContext<RiskParams>) {
  const { folds, seed } = ctx.params;
  const backend = await useBackend(ctx.params.backend);
  ctx.log.info(`tfjs backend: ${backend}`);
  let matrix: GenotypeMatrixLike | undefined;
  for await (const record of ctx.inputs.in!) matrix ??= record as GenotypeMatrixLike;
  const phenotypeRecords: Record<string, unknown>[] = [];
  for await (const record of ctx.inputs.phenotypes!) phenotypeRecords.push(record as Record<string, unknown>);
  if (!matrix) throw new Error('tfjs.risk: no genotype matrix arrived on `in`');
  const cols = matrix.variants.length;
  if (!cols) throw new Error('tfjs.risk: the genotype matrix has no variants left after filtering');

  const found = outcomes(matrix.samples, phenotypeRecords, {
    sampleColumn: ctx.params['sample-column'],
    phenotypeColumn: ctx.params['phenotype-column'],
    caseValue: ctx.params['case-value'],
    threshold: ctx.params.threshold,
  });
  if (found.withoutPhenotype) ctx.progress.count('samples-without-phenotype', found.withoutPhenotype);
  if (found.withoutGenotypes) ctx.progress.count('phenotypes-without-genotypes', found.withoutGenotypes);
  const cases = found.y.reduce((a, b) => a + b, 0);
  const controls = found.y.length - cases;
  if (Math.min(cases, controls) < folds) {
    throw new Error(
      `tfjs.risk: ${cases} cases and ${controls} controls among ${found.y.length} samples with phenotypes: ` +
        `expected at least ${folds} of each (phenotype-column '${ctx.params['phenotype-column']}', case-value '${ctx.params['case-value']}')`,
    );
  }
  ctx.log.info(
    `${found.y.length} samples (${cases} cases, ${controls} controls) x ${cols} variants; ` +
      `${found.withoutPhenotype} samples without phenotype, ${found.withoutGenotypes} phenotypes without genotypes`,
  );

  const fit: RiskFitOptions = {
    model: ctx.params.model,
    l2: ctx.params.l2,
    epochs: ctx.params.epochs,
    learningRate: ctx.params['learning-rate'],
    hidden: ctx.params.hidden,
    seed,
  };
  const foldOf = stratifiedFolds(found.y, folds, new Rng(seed));
  const score = new Float32Array(found.y.length);
  const perFold: {
    fold: number;
    n: number;
    cases: number;
    roc_auc: number | null;
    pr_auc: number | null;
  }[] = [];
  for (let fold = 0; fold < folds; fold++) {
    ctx.signal.throwIfAborted();
    ctx.progress.status(`fold ${fold + 1}/${folds}`);
    const trainAt = [...found.y.keys()].filter((i) => foldOf[i] !== fold);
    const testAt = [...found.y.keys()].filter((i) => foldOf[i] === fold);
    const trainRows = trainAt.map((i) => found.rows[i]!);
    const testRows = testAt.map((i) => found.rows[i]!);
    const scales = columnScales(matrix.dosage, cols, trainRows);
    const model = fitRiskModel(
      standardised(matrix.dosage, cols, trainRows, scales),
      Float32Array.from(trainAt, (i) => found.y[i]!),
      cols,
      fit,
    );
    const predicted = model.predict(standardised(matrix.dosage, cols, testRows, scales), testRows.length);
    model.dispose();
    testAt.forEach((i, j) => {
      score[i] = predicted[j]!;
    });
    const truth = testAt.map((i) => found.y[i] === 1);
    perFold.push({
      fold,
      n: testAt.length,
      cases: truth.filter(Boolean).length,
      roc_auc: roc_auc(truth, predicted),
      pr_auc: averagePrecision(truth, predicted),
    });
  }

  // The weights reported are those of a model fitted on every sample.
  const scales = columnScales(matrix.dosage, cols, found.rows);
  const full = fitRiskModel(standardised(matrix.dosage, cols, found.rows, scales), found.y, cols, fit);
  const importance = full.importance();
  full.dispose();
  const ranked = [...importance.keys()].sort((a, b) => Math.abs(importance[b]!) - Math.abs(importance[a]!));

  const truth = Array.from(found.y, (v) => v === 1);
  const summary = (name: 'roc_auc' | 'pr_auc') => {
    const values = perFold.map((f) => f[name]!);
    return { ...meanAndSd(values), folds: values };
  };
  const metrics = {
    model: ctx.params.model,
    backend,
    samples: found.y.length,
    cases,
    controls,
    variants: cols,
    folds,
    seed,
    l2: ctx.params.l2,
    epochs: ctx.params.epochs,
    roc_auc: summary('roc_auc'),
    pr_auc: summary('pr_auc'),
    pooled_roc_auc: roc_auc(truth, score),
    pooled_pr_auc: averagePrecision(truth, score),
    per_fold: perFold,
    importance: IMPORTANCE[ctx.params.model],
    samples_without_phenotype: found.withoutPhenotype,
    phenotypes_without_genotypes: found.withoutGenotypes,
  };

  const scores: RiskScore[] = found.rows.map((row, i) => ({
    sample: matrix.samples[row]!,
    phenotype: found.values[i]!,
    case: found.y[i]!,
    score: score[i]!,
    fold: foldOf[i]!,
  }));
  await writeResults(ctx, scores, matrix, importance, ranked, metrics);

  const f3 = (v: number) => v.toFixed(3);
  ctx.log.info(
    `cross-validated ROC AUC ${f3(metrics.roc_auc.mean)} ± ${f3(metrics.roc_auc.sd)}, PR AUC ${f3(metrics.pr_auc.mean)} ± ${f3(metrics.pr_auc.sd)} ` +
      `(${folds} stratified folds, ${ctx.params.model}; prevalence ${f3(cases / found.y.length)})`,
  );
  const top = ranked.slice(0, ctx.params.top).map((c) => {
    const v = matrix.variants[c]!;
    return { id: v.id, chrom: v.chrom, pos: v.pos, weight: importance[c]! };
  });
  ctx.log.info(
    `top variants by |weight|: ${top.map((v) => `${v.id === '.' ? `${v.chrom}:${v.pos}` : v.id} ${v.weight >= 0 ? '+' : ''}${f3(v.weight)}`).join(', ')}`,
  );
  ctx.report({
    title: `${ctx.stageName}: heaviest variants (${IMPORTANCE[ctx.params.model]})`,
    table: {
      columns: ['rank', 'id', 'chrom', 'pos', 'weight'],
      rows: top.map((v, i) => [i + 1, v.id, v.chrom, v.pos, Number(f3(v.weight))]),
    },
  });
  ctx.report({
    title: `${ctx.stageName}: ROC AUC per fold`,
    vegaLite: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      data: { values: perFold.map((f) => ({ fold: f.fold + 1, roc_auc: f.roc_auc })) },
      mark: 'bar',
      encoding: {
        x: { field: 'fold', type: 'ordinal' },
        y: { field: 'roc_auc', type: 'quantitative', scale: { domain: [0, 1] } },
      },
    },
  });
  yield* scores;
}

async function writeResults(
  ctx: StageContext<RiskParams>,
  scores: RiskScore[],
  matrix: GenotypeMatrixLike,
  importance: Float32Array,
  ranked: number[],
  metrics: object,
): Promise<void> {
  const dir = ctx.resolvePath(ctx.params.out);
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    [
      'scores.tsv',
      `sample\tphenotype\tcase\tscore\tfold\n${scores.map((s) => `${s.sample}\t${s.phenotype}\t${s.case}\t${s.score}\t${s.fold}\n`).join('')}`,
    ],
    [
      'weights.tsv',
      `rank\tid\tchrom\tpos\tref\talt\tmaf\tweight\n${ranked
        .map((c, i) => {
          const v = matrix.variants[c]!;
          return `${i + 1}\t${v.id}\t${v.chrom}\t${v.pos}\t${v.ref}\t${v.alt}\t${v.maf.toFixed(4)}\t${importance[c]}\n`;
        })
        .join('')}`,
    ],
    ['metrics.json', `${JSON.stringify(metrics, null, 2)}\n`],
  ];
  for (const [name, text] of files) {
    await writeOutput(ctx, join(dir, name), [text]);
  }
}
