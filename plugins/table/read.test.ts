import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStageForTest, stageError } from '../../src/plugin-api/testing.js';
import { repoRoot } from '../../test/helpers.js';
import { read } from './read.js';

const dir = mkdtempSync(join(tmpdir(), 'table-read-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('table.read', () => {
  it('reads the sample phenotype table: one record per row, numbers as numbers', async () => {
    const path = join(repoRoot, 'samples/cohort/phenotypes.tsv');
    const rows = readFileSync(path, 'utf8').trimEnd().split('\n');
    const { records } = await runStageForTest(read, { params: { path } });
    expect(records).toHaveLength(rows.length - 1);
    const [sample, status, liability] = rows[1]!.split('\t');
    expect(records[0]).toEqual({ sample, status, liability: Number(liability) });
  });

  it('reads CSV with quoted cells, skips comments, and can keep every cell a string', async () => {
    const path = file('t.csv', '# made by hand\nid,name,score\n1,"Smith, J",0.5\n2,"say ""hi""",007\n');
    const { records } = await runStageForTest(read, { params: { path } });
    expect(records).toEqual([
      { id: 1, name: 'Smith, J', score: 0.5 },
      { id: 2, name: 'say "hi"', score: 7 },
    ]);
    const strings = await runStageForTest(read, { params: { path, numbers: false } });
    expect(strings.records[1]).toEqual({ id: '2', name: 'say "hi"', score: '007' });
  });

  it('stops at a ragged row with file:line, or skips it to a rejects file and counts it', async () => {
    const path = file('bad.tsv', 'a\tb\n1\t2\n3\n4\t5\n');
    expect((await stageError(read, { params: { path } })).message).toBe(
      `${path}:3: 1 cells, expected 2 (a, b)`,
    );
    const rejects = join(dir, 'rejects.txt');
    const { records, counters } = await runStageForTest(read, {
      params: { path, 'on-invalid': 'skip', rejects },
    });
    expect(records).toEqual([
      { a: 1, b: 2 },
      { a: 4, b: 5 },
    ]);
    expect(counters.rejected).toBe(1);
    expect(readFileSync(rejects, 'utf8')).toBe('3\n');
  });

  it('reads stdin (-)', async () => {
    const { records } = await runStageForTest(read, {
      params: { path: '-', format: 'tsv' },
      stdin: 'x\n1\n2\n',
    });
    expect(records).toEqual([{ x: 1 }, { x: 2 }]);
  });
});
