import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrace } from '../../src/engine/trace.js';
import { cli, repoRoot, tempDir } from '../helpers.js';

/** train-variant-classifier as shipped, with `retries: 1` on `labelled` (and `extra` in its map). */
function workflow(dir: string, extra = ''): string {
  const shipped = readFileSync(join(repoRoot, 'workflows/train-variant-classifier.yaml'), 'utf8');
  const text = shipped
    .replace(/^ {2}labelled:\n/m, '  labelled:\n    retries: 1\n')
    .replace(/^( +)Benign: benign\n/m, `$1Benign: benign\n${extra}`);
  const file = join(dir, 'wf.yaml');
  writeFileSync(file, text);
  return file;
}

async function run(dir: string, file: string, args: string[] = []) {
  const trace = join(dir, `trace-${Math.random().toString(36).slice(2)}.tsv`);
  const result = await cli(
    [
      'run',
      file,
      '--work-dir',
      join(dir, 'work'),
      '-p',
      'epochs=1',
      '-p',
      `outdir=${dir}/out`,
      '--trace',
      trace,
      ...args,
    ],
    { cwd: repoRoot },
  );
  expect(result.code, result.stderr).toBe(0);
  return Object.fromEntries(parseTrace(readFileSync(trace, 'utf8')).map((r) => [r.stage, r]));
}

describe('records carrying a VCF record, stored and replayed', () => {
  it('retries: 1 on labelled keeps all 720 labelled variants, and so does a replay of the stored context', async () => {
    const dir = tempDir('carried');
    const first = await run(dir, workflow(dir));
    expect(first.labelled!.records_in).toBe(800);
    expect(first.labelled!.records_out).toBe(720);
    expect(first['train-set']!.records_out + first['test-set']!.records_out).toBe(720);

    // The stored context (a sequence per variant, carrying its VcfRecord) is a fraction of the 7 MB structured clone stored before.
    const entries = join(dir, 'work/cache/entries');
    const context = readdirSync(entries)
      .map((name) => JSON.parse(readFileSync(join(entries, name, 'manifest.json'), 'utf8')))
      .find((m) => m.stage === 'context');
    expect(context.records).toBe(800);
    expect(context.bytes).toBeLessThan(400_000);

    // A changed label map re-runs labelled from the replayed context: its sources are VcfRecords again.
    const resumed = await run(dir, workflow(dir, '        Not_a_value: benign\n'), ['--resume']);
    expect(resumed.context!.status).toBe('CACHED');
    expect(resumed.labelled!.status).toBe('COMPLETED');
    expect(resumed.labelled!.records_out).toBe(720);
  }, 120_000);
});
