import { defineStage, z } from '../../src/plugin-api/index.js';
import { backendParam } from './params.js';

const params = z.strictObject({
  model: z.enum(['logistic', 'mlp']).default('logistic'),
  'sample-column': z.string().default('sample'),
  'phenotype-column': z.string().default('status'),
  'case-value': z
    .union([z.string(), z.number()])
    .default('case')
    .describe('The phenotype value that marks a case; every other value is a control.'),
  threshold: z.coerce
    .number()
    .optional()
    .describe('For a quantitative phenotype: a value above this is a case (instead of `case-value`).'),
  folds: z.coerce.number().int().min(2).default(5),
  seed: z.coerce.number().int().default(1),
  l2: z.coerce.number().min(0).default(0.01),
  epochs: z.coerce.number().int().positive().default(300),
  'learning-rate': z.coerce.number().positive().default(0.02),
  hidden: z.coerce.number().int().positive().default(16),
  top: z.coerce
    .number()
    .int()
    .positive()
    .default(10)
    .describe('How many of the heaviest variants are logged and shown in the report.'),
  out: z.string().describe('Directory for scores.tsv, weights.tsv and metrics.json.'),
  backend: backendParam,
});
export type RiskParams = z.output<typeof params>;

export const risk = defineStage({
  description:
    'Per-sample disease risk from a genotype matrix: logistic regression or MLP, stratified K-fold ROC/PR AUC, variant weights',
  params,
  inputs: { in: 'genotype-matrix', phenotypes: 'record' },
  output: 'record',
  expensive: true,
  load: () => import('./risk-run.js'),
});
