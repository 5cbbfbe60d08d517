import { definePlugin } from '../../src/plugin-api/index.js';
import { evaluate } from './evaluate.js';
import { foldsSummary } from './folds-summary.js';
import { interpret } from './interpret/interpret.js';
import { motifs } from './interpret/motifs.js';
import { predict } from './predict.js';
import { risk } from './risk.js';
import { train } from './train.js';

export default definePlugin({
  name: 'tfjs',
  version: '1.0.0',
  description:
    'TensorFlow.js sequence classifiers (LSTM, CNN, transformer) on k-mer token batches, and genotype risk models',
  stages: { train, evaluate, 'folds-summary': foldsSummary, predict, risk, interpret, motifs },
  // Imported when used: it loads TensorFlow.js.
  export: async (path, log) => (await import('./export.js')).exportBundle(path, log),
});
