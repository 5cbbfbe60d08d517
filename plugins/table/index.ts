import { definePlugin } from '../../src/plugin-api/index.js';
import { read } from './read.js';
import { write } from './write.js';

export default definePlugin({
  name: 'table',
  version: '1.0.0',
  description: 'Tables: TSV/CSV with a header in, TSV or JSON Lines out',
  stages: { read, write },
});
