import { definePlugin } from '../../src/plugin-api/index.js';
import { count } from './count.js';
import { encode } from './encode.js';
import { profile } from './profile.js';

export default definePlugin({
  name: 'kmer',
  version: '1.0.0',
  description:
    'K-mer tokenizers (DNABERT, Nucleotide Transformer, bases), k-mer counting in a worker pool, and per-sample k-mer/GC profiles of reads',
  stages: { encode, count, profile },
});
