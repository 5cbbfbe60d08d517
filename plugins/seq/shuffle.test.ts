import { describe, expect, it } from 'vitest';
import type { SequenceRecord } from '../../src/plugin-api/index.js';
import { runStageForTest } from '../../src/plugin-api/testing.js';
import { ifSharedData, sharedData } from '../../test/shared-data.js';
import { labelled } from './labelled.js';
import { shuffle } from './shuffle.js';

const records = await ifSharedData(
  async () =>
    (await runStageForTest(labelled, { params: { path: sharedData('ml/dnabert/dev.sequences.tsv') } }))
      .records as SequenceRecord[],
  Promise.resolve([]),
);

async function shuffled(seed: number): Promise<SequenceRecord[]> {
  return (await runStageForTest(shuffle, { params: { seed }, inputs: { in: records } }))
    .records as SequenceRecord[];
}

describe('seq.shuffle', () => {
  it('permutes the records, the same way for the same seed', async () => {
    const a = await shuffled(5);
    expect(new Set(a)).toEqual(new Set(records));
    expect(a).toHaveLength(records.length);
    expect(await shuffled(5)).toEqual(a);
    expect(a.filter((r, i) => records[i] === r).length).toBeLessThan(20);
    const b = await shuffled(6);
    const samePlace = a.filter((r, i) => b[i] === r).length;
    expect(samePlace).toBeLessThan(20);
  });
});
