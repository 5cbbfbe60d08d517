import { definePlugin } from '../../src/plugin-api/index.js';
import { evaluate } from './evaluate.js';
import { predict } from './predict.js';
import { train } from './train.js';

export default definePlugin({
  name: 'tfjs',
  version: '1.0.0',
  description: 'TensorFlow.js sequence classifiers (LSTM, CNN, transformer) on k-mer token batches',
  stages: { train, evaluate, predict },
});
