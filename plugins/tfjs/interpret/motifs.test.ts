import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/plugin-api/index.js';
import { runStageForTest, stageError } from '../../../src/plugin-api/testing.js';
import { kmerBatches } from '../fixtures.js';
import plugin from '../index.js';
import type { ModelRecord } from '../train-run.js';
import type { AttributionRecord } from './interpret-run.js';
import { memeText, readMeme } from './meme.js';
import { matchMotifs, reverseComplement } from './motif-match.js';
import type { MotifRecord } from './motifs-run.js';

const { train, interpret, motifs } = plugin.stages;
const planted = 'CAGGTC';

/** Random 40-mers; the `pos` half carries the motif at a random position. */
function plantedSet() {
  const rng = new Rng(17);
  return Array.from({ length: 240 }, (_, i) => {
    let seq = Array.from({ length: 40 }, () => 'ACGT'[rng.below(4)]).join('');
    const label = i % 2 ? 'pos' : 'neg';
    if (label === 'pos') {
      const at = rng.below(40 - planted.length);
      seq = seq.slice(0, at) + planted + seq.slice(at + planted.length);
    }
    return { id: `s${i}`, seq, label };
  });
}

describe('motifs from attributions', () => {
  it('recovers a motif planted at random positions, with its consensus, and matches it to a known one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tfjs-motifs-'));
    const sequences = plantedSet();
    const batches = kmerBatches(sequences, 3, 64);
    const trained = await runStageForTest(train, {
      params: {
        model: 'cnn',
        'embedding-dim': 16,
        filters: 16,
        'kernel-size': 5,
        epochs: 8,
        'batch-size': 16,
        'learning-rate': 0.01,
        patience: 0,
        'validation-split': 0.1,
        seed: 3,
        backend: 'wasm',
        out: join(dir, 'model'),
      },
      inputs: { in: batches },
    });
    const model = trained.records[0] as ModelRecord;
    const positives = kmerBatches(
      sequences.filter((s) => s.label === 'pos'),
      3,
      64,
    );
    const explained = await runStageForTest(interpret, {
      params: { method: 'ism', out: dir, backend: 'wasm' },
      inputs: { in: positives, model: [model] },
    });
    const unknownClass = await stageError(interpret, {
      params: { method: 'ism', class: 'maybe', out: dir, backend: 'wasm' },
      inputs: { in: positives, model: [model] },
    });
    expect(unknownClass.message).toContain('class "maybe" is not one of the model\'s (neg, pos)');
    const attributions = explained.records as AttributionRecord[];
    expect(attributions).toHaveLength(120);
    expect(attributions[0]!.bases).toBe(sequences[1]!.seq);
    const reverse = join(dir, 'known.meme');
    // The known motif given on the other strand: the match must say so.
    await writeFile(
      reverse,
      memeText([
        {
          name: 'other',
          pwm: [
            [1, 0, 0, 0],
            [1, 0, 0, 0],
            [0, 0, 0, 1],
            [0, 0, 0, 1],
            [0, 1, 0, 0],
            [0, 0, 1, 0],
          ],
        },
        { name: 'planted_rc', pwm: reverseComplement(oneHot(planted)) },
      ]),
    );
    const found = await runStageForTest(motifs, {
      params: { out: dir, known: reverse },
      inputs: { in: attributions },
    });
    const best = found.records[0] as MotifRecord;
    expect(best.consensus).toBe(planted);
    expect(best.support).toBeGreaterThan(60);
    expect(best.match).toMatchObject({ known: 'planted_rc', strand: '-', offset: 0, overlap: 6 });
    expect(best.match!.similarity).toBeGreaterThan(0.9);
    const written = await readMeme(join(dir, 'motifs.meme'));
    expect(written[0]).toMatchObject({ name: 'motif_1', alternate: planted });
    expect(written[0]!.pwm.map((row) => 'ACGT'[row.indexOf(Math.max(...row))]).join('')).toBe(planted);
  }, 60_000);

  it('matching scores a motif against itself shifted and reversed', () => {
    const query = oneHot('TTGACAT');
    expect(matchMotifs(query, oneHot('GACA'), 4)).toMatchObject({
      offset: 2,
      strand: '+',
      overlap: 4,
      score: 4,
    });
    expect(matchMotifs(query, reverseComplement(oneHot('TGACA')), 4)).toMatchObject({
      offset: 1,
      strand: '-',
      score: 5,
    });
  });

  it('a MEME file without a matrix is an error naming the file and line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tfjs-meme-'));
    const path = join(dir, 'bad.meme');
    await writeFile(
      path,
      'MEME version 4\n\nMOTIF m1\nletter-probability matrix: alength= 4 w= 2\n0.5 0.5 0 0\n0.2 0.2\n',
    );
    await expect(readMeme(path)).rejects.toThrow(
      `${path}:6: expected 4 probabilities (A C G T) of MOTIF m1, got "0.2 0.2"`,
    );
    const error = await stageError(motifs, { params: { out: dir, known: path }, inputs: { in: [] } });
    expect(error.message).toContain(`${path}:6:`);
  });
});

function oneHot(consensus: string): number[][] {
  return Array.from(consensus, (b) => [0, 1, 2, 3].map((i) => ('ACGT'[i] === b ? 1 : 0)));
}
