import { definePlugin } from '../../src/plugin-api/index.js';
import { context } from './context.js';
import { fetch } from './fetch.js';
import { read } from './read.js';
import { windows } from './windows.js';

export default definePlugin({
  name: 'fasta',
  version: '1.0.0',
  description: 'FASTA/FASTQ reading, indexed reference access, windows and variant context',
  stages: { read, fetch, windows, context },
});
