import { definePlugin } from '../../src/plugin-api/index.js';
import { count } from './count.js';
import { encode } from './encode.js';

export default definePlugin({
  name: 'kmer',
  version: '1.0.0',
  description:
    'K-mer tokenizers (DNABERT, Nucleotide Transformer, bases) and k-mer counting, in a worker pool',
  stages: { encode, count },
});
