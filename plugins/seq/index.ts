import { definePlugin } from '../../src/plugin-api/index.js';
import { labelled } from './labelled.js';
import { shuffle } from './shuffle.js';
import { split } from './split.js';

export default definePlugin({
  name: 'seq',
  version: '1.0.0',
  description: 'Labelled sequence sets for machine learning: reading and train/test splits',
  stages: { labelled, split, shuffle },
});
