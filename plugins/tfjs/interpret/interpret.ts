import { defineStage, z } from '../../../src/plugin-api/index.js';
import { inferenceBackendParam } from '../params.js';

const params = z.strictObject({
  model: z.string().optional(),
  method: z.enum(['ism', 'saliency', 'gradient-x-input', 'integrated-gradients']).default('ism'),
  class: z
    .string()
    .optional()
    .describe('The class whose probability is explained; default the last (positive) one.'),
  ism: z
    .enum(['auto', 'fast', 'naive'])
    .default('auto')
    .describe('ISM: fast recomputes only what a substitution reaches (CNNs); auto is fast where it can be.'),
  steps: z.coerce
    .number()
    .int()
    .positive()
    .default(64)
    .describe(
      'Integrated gradients: path steps to begin with (doubled, up to 16x, until `tolerance` is met).',
    ),
  tolerance: z.coerce
    .number()
    .positive()
    .default(0.01)
    .describe(
      "Integrated gradients: how far (a share) each sequence's attributions may sum from f(x) - f(baseline).",
    ),
  baseline: z.enum(['unk', 'shuffle']).default('unk'),
  seed: z.coerce.number().int().default(1),
  out: z.string().describe('Directory for ism.tsv, attributions.tsv and attributions.bedgraph.gz(.tbi).'),
  show: z
    .string()
    .optional()
    .describe('The sequence whose ISM matrix the report shows; default the best-scoring one.'),
  'batch-size': z.coerce.number().int().positive().default(256),
  backend: inferenceBackendParam.describe(
    "auto, node, wasm or cpu: TensorFlow.js; onnx: naive ISM on the bundle's model.onnx (onnxruntime gives no gradients)",
  ),
});
export type InterpretParams = z.output<typeof params>;

export const interpret = defineStage({
  description:
    'Why a model scores each sequence: in-silico mutagenesis (naive or fastISM), saliency, gradient x input or integrated gradients, per base',
  params,
  inputs: { in: 'token-batch', model: 'model?' },
  output: 'attribution',
  expensive: true,
  load: () => import('./interpret-run.js'),
});
