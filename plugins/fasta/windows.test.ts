import { describe, expect, it } from 'vitest';
import type { SequenceRecord } from '../../src/plugin-api/index.js';
import { runStageForTest } from '../../src/plugin-api/testing.js';
import { sharedData } from '../../test/shared-data.js';
import { fetch } from './fetch.js';
import { read } from './read.js';
import { samtoolsFaidx } from './test-helpers.js';
import { windows } from './windows.js';

const phiX = sharedData('fasta/phiX174_NC_001422.1.fna');
const name = 'NC_001422.1';

async function tile(records: unknown[], params: Record<string, unknown>) {
  const result = await runStageForTest(windows, { params, inputs: { in: records } });
  return { windows: result.records as SequenceRecord[], counters: result.counters };
}

describe('fasta.windows', () => {
  it('tiles phiX174 into the windows samtools faidx gives for the same coordinates', async () => {
    const genome = (await runStageForTest(read, { params: { path: phiX, label: 'phage' } })).records;
    const { windows: got } = await tile(genome, { size: 500, step: 250, 'keep-partial': true });
    // full windows start every 250 bp while they fit in 5,386 bp; then one partial window to the end
    const regions = [
      ...Array.from({ length: 20 }, (_, i) => `${name}:${i * 250 + 1}-${i * 250 + 500}`),
      `${name}:5001-5386`,
    ];
    const expected = samtoolsFaidx(phiX, regions);
    expect(got.map((w) => w.id)).toEqual(regions);
    expect(got.map((w) => w.seq)).toEqual(expected.map((r) => r.seq));
    expect(got[20]).toMatchObject({ chrom: name, start: 5000, end: 5386, label: 'phage' });
    const { windows: full } = await tile(genome, { size: 500, step: 250 });
    expect(full.map((w) => w.id)).toEqual(regions.slice(0, 20));
  });

  it('keeps genome coordinates of a fetched region', async () => {
    const region = (
      await runStageForTest(fetch, { params: { reference: phiX, regions: [`${name}:1001-2000`] } })
    ).records;
    const { windows: got } = await tile(region, { size: 300 });
    const regions = [`${name}:1001-1300`, `${name}:1301-1600`, `${name}:1601-1900`];
    expect(got.map((w) => w.id)).toEqual(regions);
    expect(got.map((w) => w.seq)).toEqual(samtoolsFaidx(phiX, regions).map((r) => r.seq));
  });

  it('drops windows with too many Ns and counts them', async () => {
    const [genome] = (await runStageForTest(read, { params: { path: phiX } })).records as SequenceRecord[];
    // mask 1,000-1,149 (0-based): windows of 100 every 50 that hold more than 30 Ns go
    const masked = {
      ...genome!,
      seq: genome!.seq.slice(0, 1000) + 'N'.repeat(150) + genome!.seq.slice(1150),
    };
    const { windows: got, counters } = await tile([masked], { size: 100, step: 50, 'max-n-fraction': 0.3 });
    const all = Math.floor((5386 - 100) / 50) + 1;
    const nCount = (start: number) => Math.max(0, Math.min(start + 100, 1150) - Math.max(start, 1000));
    const dropped = Array.from({ length: all }, (_, i) => i * 50).filter((start) => nCount(start) > 30);
    expect(dropped).toEqual([950, 1000, 1050, 1100]);
    expect(got).toHaveLength(all - dropped.length);
    expect(counters['too-many-n']).toBe(dropped.length);
    for (const w of got) expect(w.seq.split('N').length - 1).toBeLessThanOrEqual(30);
  });

  it('passes invalid records through untouched', async () => {
    const invalid = { id: '17:3:A>G', seq: '', invalid: 'REF mismatch' };
    expect((await tile([invalid], { size: 10 })).windows).toEqual([invalid]);
  });
});
