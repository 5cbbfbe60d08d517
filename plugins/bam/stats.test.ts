import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runStageForTest } from '../../src/plugin-api/testing.js';
import { sharedData, sharedDataFiles } from '../../test/shared-data.js';
import type { AlignmentSummary } from './alignment-stats.js';
import plugin from './index.js';

const { read, stats } = plugin.stages;
const bamDir = sharedData('bam');
const bams = sharedDataFiles('bam', (f) => f.endsWith('.bam')).map((f) => relative(bamDir, f));

async function summary(params: Record<string, unknown>): Promise<AlignmentSummary> {
  const { records } = await runStageForTest(read, { params });
  const result = await runStageForTest(stats, { inputs: { in: records } });
  expect(result.records.length).toBe(1);
  return result.records[0]!;
}

/** samtools stats' SN section as name → value text. */
function samtoolsStats(path: string): Map<string, string> {
  const text = execFileSync('samtools', ['stats', path], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return new Map(
    text
      .split('\n')
      .filter((l) => l.startsWith('SN\t'))
      .map((l) => [l.split('\t')[1]!.replace(/:$/, ''), l.split('\t')[2]!]),
  );
}

/** G+C over all bases of the primary reads with a SEQ, from samtools view's text. */
function gcFromSamText(path: string): number {
  const text = execFileSync('samtools', ['view', '-F', '0x900', path], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  let gc = 0;
  let bases = 0;
  for (const line of text.split('\n')) {
    const seq = line.split('\t')[9];
    if (!seq || seq === '*') continue;
    bases += seq.length;
    for (const c of seq) if (c === 'G' || c === 'C') gc++;
  }
  return gc / bases;
}

describe.each(bams)('%s', (file) => {
  const path = join(bamDir, file);

  test('equals the SN numbers of samtools stats, and the GC of samtools view', async () => {
    const ours = await summary({ path });
    const sn = samtoolsStats(path);
    expect({
      reads: ours.reads,
      mapped: ours.mapped,
      unmapped: ours.unmapped,
      properlyPaired: ours.properlyPaired,
      duplicates: ours.duplicates,
      secondary: ours.secondary,
      supplementary: ours.supplementary,
      bases: ours.bases,
      meanQuality: ours.meanQuality.toFixed(1),
    }).toEqual({
      reads: Number(sn.get('raw total sequences')),
      mapped: Number(sn.get('reads mapped')),
      unmapped: Number(sn.get('reads unmapped')),
      properlyPaired: Number(sn.get('reads properly paired')),
      duplicates: Number(sn.get('reads duplicated')),
      secondary: Number(sn.get('non-primary alignments')),
      supplementary: Number(sn.get('supplementary alignments')),
      bases: Number(sn.get('total length')),
      meanQuality: sn.get('average quality'),
    });
    expect(ours.gcFraction).toBe(gcFromSamText(path));
  });
});

describe('edge cases', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'genoflow-bam-stats-'));

  test('secondary, supplementary and SEQ-less records are left out as samtools stats does', async () => {
    const path = join(scratch, 'mixed.sam');
    writeFileSync(
      path,
      '@SQ\tSN:c1\tLN:1000\n' +
        'r1\t0\tc1\t10\t60\t4M\t*\t0\t0\tACGT\tIIII\n' + // 4 bases, GC 2, quality 40
        'r2\t4\t*\t0\t0\t*\t*\t0\t0\tACGN\t####\n' + // unmapped, GC 2, quality 2
        'r3\t0\tc1\t20\t30\t4M\t*\t0\t0\t*\t*\n' + // no SEQ: not counted at all
        'r4\t1536\tc1\t30\t30\t4M\t*\t0\t0\tGGCC\t*\n' + // QC-failed duplicate without QUAL
        'r5\t256\tc1\t40\t30\t4M\t*\t0\t0\tGGCC\tIIII\n' + // secondary
        'r6\t2048\tc1\t40\t30\t4M\t*\t0\t0\tGGCC\tIIII\n' + // supplementary
        'r7\t67\tc1\t50\t30\t4M\t=\t60\t14\tATAT\t5555\n', // proper pair, GC 0, quality 20
    );
    const ours = await summary({ path });
    const sn = samtoolsStats(path);
    expect(ours).toEqual({
      reads: 4,
      mapped: 3,
      unmapped: 1,
      properlyPaired: 1,
      duplicates: 1,
      secondary: 1,
      supplementary: 1,
      bases: 16,
      // r4 has no qualities: the mean is over the 12 bases that have them
      meanQuality: (4 * 40 + 4 * 2 + 4 * 20) / 12,
      gcFraction: 8 / 16,
    });
    expect([ours.reads, ours.mapped, ours.bases, ours.secondary, ours.supplementary]).toEqual(
      [
        'raw total sequences',
        'reads mapped',
        'total length',
        'non-primary alignments',
        'supplementary alignments',
      ].map((k) => Number(sn.get(k))),
    );
  });

  test('no records give one summary of zeros', async () => {
    const result = await runStageForTest(stats, { inputs: { in: [] } });
    expect(result.records).toEqual([
      {
        reads: 0,
        mapped: 0,
        unmapped: 0,
        properlyPaired: 0,
        duplicates: 0,
        secondary: 0,
        supplementary: 0,
        bases: 0,
        meanQuality: 0,
        gcFraction: 0,
      },
    ]);
  });

  test('long reads sum their qualities without overflow', async () => {
    const path = join(scratch, 'long.sam');
    const n = 100_001; // odd, and far more than one 16-bit lane's worth of words
    const seq = 'G'.repeat(n);
    writeFileSync(
      path,
      `@SQ\tSN:c1\tLN:200000\nlong\t0\tc1\t1\t60\t${n}M\t*\t0\t0\t${seq}\t${'~'.repeat(n)}\n`,
    );
    const ours = await summary({ path });
    expect([ours.bases, ours.meanQuality, ours.gcFraction]).toEqual([n, 93, 1]);
  });
});
