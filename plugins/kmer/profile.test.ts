import { describe, expect, it } from 'vitest';
import { runStageForTest } from '../../src/plugin-api/testing.js';
import { profile } from './profile.js';

const header = { text: '@HD\tVN:1.6\n@RG\tID:rg1\tSM:alice\n@RG\tID:rg2\tSM:alice\n@RG\tID:rg3\tSM:bob\n' };
const read = (seq: string, rg?: string) => ({ seq, header, tags: rg ? { RG: rg } : {} });

describe('kmer.profile', () => {
  it('groups reads by the SM of their read group (file name without one) and counts ACGT-only windows', async () => {
    const inputs = [read('ACGTA', 'rg1'), read('AANAA', 'rg2'), read('GGCC', 'rg3'), read('acgt')];
    const { records, report } = await runStageForTest(profile, {
      params: { k: 2, 'default-sample': 'data/reads/lane7.bam' },
      inputs: { in: inputs },
    });
    expect(records).toEqual([
      // ACGTA: AC CG GT TA; AANAA: AA AA (the N breaks the other two windows)
      { sample: 'alice', reads: 2, bases: 10, gc: 2 / 9, kmers: 6, distinct: 5 },
      { sample: 'bob', reads: 1, bases: 4, gc: 1, kmers: 3, distinct: 3 },
      { sample: 'lane7', reads: 1, bases: 4, gc: 0.5, kmers: 3, distinct: 3 },
    ]);
    expect(report.map((r) => r.title)).toEqual([
      'test: 2-mers, frequency per sample',
      'test: GC content per sample',
    ]);
  });

  it('counts a k-mer and its reverse complement as one when canonical', async () => {
    const { records } = await runStageForTest(profile, {
      params: { k: 3, canonical: true, per: 'all' },
      inputs: { in: [{ id: 's', seq: 'AAACCCGGGTTT' }] },
    });
    // AAA/TTT, AAC/GTT, ACC/GGT, CCC/GGG, CCG/CGG, CGG -> 10 windows, 5 canonical k-mers
    expect(records).toEqual([{ sample: 'all', reads: 1, bases: 12, gc: 0.5, kmers: 10, distinct: 5 }]);
  });
});
