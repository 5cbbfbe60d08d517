import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers.js';
import { resolveItems } from './items.js';
import { loadWorkflow } from './load.js';

async function itemsOf(each: string, files: Record<string, string> = {}) {
  const dir = tempDir('items');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const file = join(dir, 'wf.yaml');
  writeFileSync(file, `name: t\nstages:\n  a:\n    uses: text.read\n    each: ${each}\n`);
  const workflow = await loadWorkflow(file);
  return resolveItems(workflow.spec.stages.a!.each, {}, workflow, ['stages', 'a', 'each'], dir);
}

describe('each: items', () => {
  it('reads BED regions as 1-based closed regions, in file order', async () => {
    const { items } = await itemsOf('{ regions: r.bed }', {
      'r.bed': 'track x\nchr2\t0\t100\nchr1\t99\t200\n',
    });
    expect(items.map((i) => i.id)).toEqual(['chr2:1-100', 'chr1:100-200']);
    expect(items[1]!.fields).toEqual({
      chrom: 'chr1',
      start: 99,
      end: 200,
      region: 'chr1:100-200',
      index: 1,
    });
  });

  it('globs files in name order, named by their base name', async () => {
    const { items } = await itemsOf('{ glob: "*.fa" }', { 'b.fa': '', 'a.fa': '', 'c.txt': '' });
    expect(items.map((i) => [i.id, i.fields.path])).toEqual([
      ['a', 'a.fa'],
      ['b', 'b.fa'],
    ]);
  });

  it('makes K folds, and refuses a sheet with a repeated sample', async () => {
    expect((await itemsOf('{ folds: 3 }')).items.map((i) => i.fields)).toEqual([
      { fold: 0, folds: 3, index: 0 },
      { fold: 1, folds: 3, index: 1 },
      { fold: 2, folds: 3, index: 2 },
    ]);
    expect((await itemsOf('{ folds: 1 }')).items.map((i) => i.fields)).toEqual([
      { fold: 0, folds: 1, index: 0 },
    ]);
    await expect(itemsOf('{ folds: 0 }')).rejects.toThrow(
      /wf\.yaml:5:20: each\.folds: expected a whole number of folds from 1 to 1000, got 0/,
    );
    await expect(itemsOf('{ sheet: s.csv }', { 's.csv': 'id,x\nA,1\nA,2\n' })).rejects.toThrow(
      's.csv:3: id "A" is also on line 2',
    );
  });
});
