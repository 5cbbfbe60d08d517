import { definePlugin } from '../../src/plugin-api/index.js';
import { bamRecordCodec } from './codec.js';
import { read } from './read.js';
import { stats } from './stats.js';

export type { BamHeader } from './header.js';
export type { BamRecord } from './record.js';

export default definePlugin({
  name: 'bam',
  version: '1.0.0',
  description:
    'BAM/SAM alignments: streaming and indexed region reads with samtools view semantics, summary stats',
  stages: { read, stats },
  codecs: { 'bam-record': bamRecordCodec },
});
