import { describe, expect, it } from 'vitest';
import type { SequenceRecord } from '../../src/plugin-api/index.js';
import { seededRandom } from '../../src/plugin-api/index.js';
import { runStageForTest, stageFailure } from '../../src/plugin-api/testing.js';
import { sharedData } from '../../test/shared-data.js';
import { fetch } from './fetch.js';
import { samtoolsFaidx } from './test-helpers.js';

const ecoli = sharedData('fasta/ecoli536_NC_008253.fna');
const contig = 'gi|110640213|ref|NC_008253.1|';
const contigLength = 4938920;

function randomRegions(count: number): string[] {
  const random = seededRandom(7);
  const regions: string[] = [];
  for (let i = 0; i < count; i++) {
    const start = 1 + Math.floor(random() * (contigLength - 5000));
    const end = start + Math.floor(random() * 5000);
    regions.push(`${contig}:${start}-${end}`);
  }
  // the contig's edges and a whole-contig request, as samtools takes them
  regions.push(
    `${contig}:1-1`,
    `${contig}:${contigLength - 10}-${contigLength + 500}`,
    `${contig}:4,000,001-4,000,100`,
  );
  return regions;
}

describe('fasta.fetch', () => {
  const regions = randomRegions(50);

  for (const file of [ecoli, `${ecoli}.gz`]) {
    it(`equals samtools faidx on ${regions.length} regions of ${file.split('/').pop()}`, async () => {
      const expected = samtoolsFaidx(file, regions);
      const { records, inputFiles } = await runStageForTest(fetch, { params: { reference: file, regions } });
      const got = records as SequenceRecord[];
      expect(got.map((r) => r.id)).toEqual(expected.map((r) => r.name));
      expect(got.map((r) => r.seq)).toEqual(expected.map((r) => r.seq));
      expect(inputFiles).toContain(`${file}.fai`);
      const [first] = got;
      const [, start, end] = /:(\d+)-(\d+)$/.exec(regions[0]!)!.map(Number);
      expect(first).toMatchObject({ chrom: contig, start: start! - 1, end });
      expect(got[50]!.seq).toHaveLength(1);
    });
  }

  it('fetches a whole contig, an open-ended region and one past the end as samtools does', async () => {
    const file = sharedData('fasta/phiX174_NC_001422.1.fna');
    const regions = ['NC_001422.1', 'NC_001422.1:5380', 'NC_001422.1:6000-6100'];
    const expected = samtoolsFaidx(file, regions);
    const { records } = await runStageForTest(fetch, { params: { reference: file, regions } });
    expect(records).toEqual([
      { id: 'NC_001422.1', seq: expected[0]!.seq, chrom: 'NC_001422.1', start: 0, end: 5386 },
      { id: 'NC_001422.1:5380', seq: expected[1]!.seq, chrom: 'NC_001422.1', start: 5379, end: 5386 },
      { id: 'NC_001422.1:6000-6100', seq: '', chrom: 'NC_001422.1', start: 5386, end: 5386 },
    ]);
    expect(expected[1]!.seq).toHaveLength(7);
    expect(expected[2]!.seq).toBe('');
  });

  it('names the region when its contig is missing', async () => {
    const message = await stageFailure(fetch, { reference: ecoli, regions: ['chrZ:1-10'] });
    expect(message).toContain("regions[0]: contig 'chrZ' of region 'chrZ:1-10' is not in the reference");
  });
});
