import { definePlugin } from '../../src/plugin-api/index.js';
import { vcfRecordCodec } from './codec.js';
import { read } from './read.js';
import { write } from './write.js';

export default definePlugin({
  name: 'vcf',
  version: '1.0.0',
  description: 'Read and write VCF (plain or bgzipped, with .tbi/.csi indexes); VCF 4.0-4.5',
  stages: { read, write },
  codecs: { 'vcf-record': vcfRecordCodec },
});
