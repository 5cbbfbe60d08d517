import { definePlugin } from '../../src/plugin-api/index.js';
import { vcfRecordCodec } from './codec.js';
import { genotypeMatrixCodec } from './genotype-codec.js';
import { genotypes } from './genotypes.js';
import { query } from './query.js';
import { read } from './read.js';
import { write } from './write.js';

export default definePlugin({
  name: 'vcf',
  version: '1.0.0',
  description:
    'Read and write VCF (plain or bgzipped, with .tbi/.csi indexes; VCF 4.0-4.5), bcftools-style query, genotype matrices',
  stages: { read, write, query, genotypes },
  codecs: { 'vcf-record': vcfRecordCodec, 'genotype-matrix': genotypeMatrixCodec },
});
