import { definePlugin } from '../../src/plugin-api/index.js';
import { bamRecordCodec } from './codec.js';
import { read } from './read.js';

export type { BamHeader } from './header.js';
export type { BamRecord } from './record.js';

export default definePlugin({
  name: 'bam',
  version: '1.0.0',
  description: 'BAM/SAM alignments: streaming and indexed region reads with samtools view semantics',
  stages: { read },
  codecs: { 'bam-record': bamRecordCodec },
});
