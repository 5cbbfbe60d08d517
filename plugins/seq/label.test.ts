import { describe, expect, it } from 'vitest';
import type { SequenceRecord } from '../../src/plugin-api/index.js';
import { collectingLogger, runStageForTest, stageError } from '../../src/plugin-api/testing.js';
import { audit } from './audit.js';
import { label } from './label.js';
import { split } from './split.js';

const variant = (chrom: string, pos: number, clnsig?: string | string[]): SequenceRecord => ({
  id: `${chrom}:${pos}`,
  seq: 'ACGT',
  source: { chrom, pos, ref: 'A', info: clnsig === undefined ? {} : { CLNSIG: clnsig } },
});

const map = { Pathogenic: 'pathogenic', Likely_pathogenic: 'pathogenic', Benign: 'benign' };

describe('seq.label', () => {
  it('labels from source INFO through the map; drops and counts unmapped, missing, conflicting and invalid records', async () => {
    const inputs = [
      variant('chr1', 10, 'Pathogenic'),
      variant('chr1', 20, 'Benign'),
      variant('chr1', 30, 'Uncertain_significance'),
      variant('chr1', 40),
      variant('chr1', 50, ['Pathogenic', 'Likely_pathogenic']),
      variant('chr1', 60, ['Pathogenic', 'Benign']),
      { ...variant('chr1', 70, 'Benign'), seq: '', invalid: 'contig missing' },
    ];
    const lines: string[] = [];
    const { records, counters } = await runStageForTest(label, {
      params: { field: 'CLNSIG', map },
      inputs: {
        in: [...inputs, variant('chr1', 80, 'Uncertain_significance'), variant('chr1', 90, 'not_provided')],
      },
      log: collectingLogger(lines),
    });
    expect((records as SequenceRecord[]).map((r) => [r.id, r.label])).toEqual([
      ['chr1:10', 'pathogenic'],
      ['chr1:20', 'benign'],
      ['chr1:50', 'pathogenic'],
    ]);
    expect(counters).toMatchObject({
      'dropped-unmapped': 3,
      'dropped-missing': 1,
      'dropped-conflicting': 1,
      'dropped-invalid': 1,
    });
    // The audit names each reason with the real values behind it, the most frequent first.
    expect(lines).toEqual([
      'labelled by CLNSIG: pathogenic 2, benign 1; dropped: unmapped 3, missing 1, conflicting 1, invalid 1',
      'dropped 3 unmapped (CLNSIG value not in the map): Uncertain_significance ×2, not_provided ×1',
      'dropped 1 missing (no CLNSIG in INFO; record ids): chr1:40',
      'dropped 1 conflicting (CLNSIG values mapped to different labels): Pathogenic,Benign ×1',
      'dropped 1 invalid (no sequence could be built): contig missing ×1',
    ]);
  });
});

describe('seq.split by region', () => {
  const labelled = ['chr1', 'chr2', 'chr3'].flatMap((chrom) =>
    Array.from({ length: 10 }, (_, i) => ({ ...variant(chrom, 100 * (i + 1)), label: i % 2 ? 'a' : 'b' })),
  );
  const take = async (params: Record<string, unknown>) =>
    ((await runStageForTest(split, { params, inputs: { in: labelled } })).records as SequenceRecord[]).map(
      (r) => r.id,
    );

  it('holds out whole chromosomes or a region (e.g. a gene), never a random subset', async () => {
    const test = await take({ take: 'test', holdout: ['chr2'] });
    const train = await take({ take: 'train', holdout: ['chr2'] });
    expect(test).toEqual(labelled.filter((r) => r.id.startsWith('chr2:')).map((r) => r.id));
    expect(train).toHaveLength(20);
    expect(train.some((id) => id.startsWith('chr2:'))).toBe(false);
    expect(await take({ take: 'test', holdout: ['chr3:250-500', 'chr1:1000-1000'] })).toEqual([
      'chr1:1000',
      'chr3:300',
      'chr3:400',
      'chr3:500',
    ]);
  });

  it('by: chrom puts each chromosome wholly on one side, the same way every time', async () => {
    const test = await take({ take: 'test', by: 'chrom', fraction: 0.3, seed: 5 });
    const train = await take({ take: 'train', by: 'chrom', fraction: 0.3, seed: 5 });
    expect(test.length + train.length).toBe(30);
    const chromsOf = (ids: string[]) => new Set(ids.map((id) => id.split(':')[0]));
    const testChroms = chromsOf(test);
    expect(testChroms.size).toBeGreaterThanOrEqual(1);
    for (const chrom of chromsOf(train)) expect(testChroms.has(chrom)).toBe(false);
    expect(await take({ take: 'test', by: 'chrom', fraction: 0.3, seed: 5 })).toEqual(test);
    const folds = await Promise.all(
      [0, 1, 2].map((fold) => take({ take: 'test', by: 'chrom', folds: 3, fold })),
    );
    expect(folds.map((f) => chromsOf(f).size)).toEqual([1, 1, 1]);
    expect(folds.flat().sort()).toEqual(labelled.map((r) => r.id).sort());
  });

  it('rejects a record without a position and a malformed region', async () => {
    const noPosition = { in: [{ id: 'x', seq: 'A', label: 'a' }] };
    expect(
      (await stageError(split, { params: { take: 'test', holdout: ['chr1'] }, inputs: noPosition })).message,
    ).toMatch(/record "x" has no position/);
    expect(
      (await stageError(split, { params: { take: 'test', holdout: ['chr1:9-3'] }, inputs: { in: labelled } }))
        .message,
    ).toMatch(/holdout region 'chr1:9-3': expected 1 <= start <= end/);
  });
});

describe('seq.audit', () => {
  it('passes every record through in order and summarises the invalid ones by reason', async () => {
    const inputs = [
      variant('chr1', 1),
      { ...variant('chr1', 2), seq: '', invalid: "contig 'chrX' is not in ref.fa" },
      { ...variant('chr1', 3), seq: '', invalid: "contig 'chrY' is not in ref.fa" },
      { ...variant('chr1', 4), seq: '', invalid: "REF 'A' does not match reference 'C'" },
    ];
    const messages: string[] = [];
    const log = { debug() {}, info: (m: string) => messages.push(m), warn() {}, error() {} };
    const { records, counters } = await runStageForTest(audit, { inputs: { in: inputs }, log });
    expect(records).toEqual(inputs);
    expect(counters.invalid).toBe(3);
    expect(messages).toContain(
      "3 of 4 records invalid (kept, marked invalid): 2 contig '…' is not in ref.fa (first: chr1:2: contig 'chrX' is not in ref.fa); 1 REF '…' does not match reference '…' (first: chr1:4: REF 'A' does not match reference 'C')",
    );
  });

  it('fails when every record is invalid, with the real reasons; max-invalid lets them through', async () => {
    const inputs = [
      { ...variant('chr1', 2), seq: '', invalid: "contig 'chr1' is not in ref.fa" },
      { ...variant('chr1', 3), seq: '', invalid: "REF 'A' does not match reference 'C'" },
    ];
    expect((await stageError(audit, { inputs: { in: inputs } })).message).toBe(
      "2 of 2 records invalid (kept, marked invalid): 1 contig '…' is not in ref.fa (first: chr1:2: contig 'chr1' is not in ref.fa); 1 REF '…' does not match reference '…' (first: chr1:3: REF 'A' does not match reference 'C'); expected at least one valid record (set max-invalid: 100% to let them all through)",
    );
    expect(
      (await stageError(audit, { params: { 'max-invalid': '40%' }, inputs: { in: inputs } })).message,
    ).toMatch(/; expected at most 40% invalid \(/);
    const { records } = await runStageForTest(audit, {
      params: { 'max-invalid': '100%' },
      inputs: { in: inputs },
    });
    expect(records).toEqual(inputs);
    expect(
      (await runStageForTest(audit, { params: { 'max-invalid': 2 }, inputs: { in: inputs } })).records.length,
    ).toBe(2);
  });
});
