import { definePlugin } from '../../src/plugin-api/index.js';
import { audit } from './audit.js';
import { label } from './label.js';
import { labelled } from './labelled.js';
import { shuffle } from './shuffle.js';
import { split } from './split.js';

export default definePlugin({
  name: 'seq',
  version: '1.0.0',
  description: 'Labelled sequence sets for machine learning: reading, labelling and train/test splits',
  stages: { labelled, label, split, shuffle, audit },
});
