import { describe, expect, it } from 'vitest';
import type { SequenceRecord } from '../../src/plugin-api/index.js';
import { runStageForTest } from '../../src/plugin-api/testing.js';
import { ifSharedData, sharedData } from '../../test/shared-data.js';
import { labelled } from './labelled.js';
import { split } from './split.js';

const labelledRecords = (params: Record<string, unknown>) =>
  ifSharedData(
    async () => (await runStageForTest(labelled, { params })).records as SequenceRecord[],
    Promise.resolve([]),
  );
const records = await labelledRecords({ path: sharedData('ml/dnabert/dev.sequences.tsv') });
const cnnprom = await labelledRecords({
  classes: {
    promoter: sharedData('ml/cnnprom/Bacillus_prom.fa'),
    other: sharedData('ml/cnnprom/Bacillus_non_prom.fa'),
  },
});

async function take(input: SequenceRecord[], params: Record<string, unknown>): Promise<SequenceRecord[]> {
  return (await runStageForTest(split, { params, inputs: { in: input } })).records as SequenceRecord[];
}

function classCounts(set: SequenceRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of set) counts[r.label!] = (counts[r.label!] ?? 0) + 1;
  return counts;
}

describe('seq.split', () => {
  it('partitions exactly, stratified, and the same way every time', async () => {
    for (const input of [records, cnnprom]) {
      const test = await take(input, { take: 'test', fraction: 0.2, seed: 3 });
      const train = await take(input, { take: 'train', fraction: 0.2, seed: 3 });
      // records pass through as the same objects (ids repeat in CNNProm), so compare identities
      expect(new Set([...test, ...train]).size).toBe(input.length);
      expect(test.length + train.length).toBe(input.length);
      const all = classCounts(input);
      const testCounts = classCounts(test);
      for (const [label, n] of Object.entries(all)) expect(testCounts[label]).toBe(Math.round(n * 0.2));
      // input order is kept on each side
      const inTest = new Set(test);
      expect(test).toEqual(input.filter((r) => inTest.has(r)));
      expect(await take(input, { take: 'test', fraction: 0.2, seed: 3 })).toEqual(test);
      const reversed = await take([...input].reverse(), { take: 'test', fraction: 0.2, seed: 3 });
      const key = (r: SequenceRecord) => `${r.id} ${r.seq}`;
      expect(reversed.map(key).sort()).toEqual(test.map(key).sort());
    }
    expect(classCounts(await take(cnnprom, { take: 'test', fraction: 0.2 }))).toEqual({
      promoter: 75,
      other: 200,
    });
    // one fold (a one-item `each: { folds: 1 }`) is the plain `fraction` split
    expect(await take(cnnprom, { take: 'test', fraction: 0.2, folds: 1, fold: 0 })).toEqual(
      await take(cnnprom, { take: 'test', fraction: 0.2 }),
    );
  });

  it('gives different splits for different seeds', async () => {
    const a = await take(records, { take: 'test', seed: 1 });
    const b = await take(records, { take: 'test', seed: 2 });
    const inB = new Set(b);
    const shared = a.filter((r) => inB.has(r)).length;
    // two random 20% samples share about 20% of their members
    expect(shared).toBeGreaterThan(20);
    expect(shared).toBeLessThan(80);
  });

  it('K-fold test sides cover every record once, each fold stratified', async () => {
    const seen = new Map<SequenceRecord, number>();
    for (let fold = 0; fold < 5; fold++) {
      const test = await take(cnnprom, { take: 'test', folds: 5, fold });
      const train = await take(cnnprom, { take: 'train', folds: 5, fold });
      expect(test.length + train.length).toBe(cnnprom.length);
      const counts = classCounts(test);
      expect(Math.abs(counts.promoter! - 373 / 5)).toBeLessThan(1);
      expect(counts.other).toBe(200);
      for (const r of test) seen.set(r, (seen.get(r) ?? 0) + 1);
    }
    expect(seen.size).toBe(cnnprom.length);
    expect(new Set(seen.values())).toEqual(new Set([1]));
  });
});
