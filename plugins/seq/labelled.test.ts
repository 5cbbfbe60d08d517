import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SequenceRecord } from '../../src/plugin-api/index.js';
import { runStageForTest, stageFailure } from '../../src/plugin-api/testing.js';
import { sharedData } from '../../test/shared-data.js';
import { labelled } from './labelled.js';

async function load(params: Record<string, unknown>) {
  const { records, counters } = await runStageForTest(labelled, { params });
  return { records: records as SequenceRecord[], counters };
}

describe('seq.labelled', () => {
  it('reads the DNABERT dev TSV by header names: 500/500', async () => {
    const path = sharedData('ml/dnabert/dev.sequences.tsv');
    const { records, counters } = await load({ path });
    expect(counters).toEqual({ 'class:0': 500, 'class:1': 500 });
    const rows = readFileSync(path, 'utf8').trimEnd().split('\n').slice(1);
    expect(records.map((r) => `${r.seq}\t${r.label}`)).toEqual(rows);
    expect(records[0]!.id).toBe('dev.sequences.tsv:2');
  });

  it('reads the UCI promoters through CSV mode with column indices and trimming: 53/53', async () => {
    const path = sharedData('ml/uci_promoters/promoters.data');
    const { records, counters } = await load({
      path,
      format: 'csv',
      'label-column': 0,
      'id-column': 1,
      'sequence-column': 2,
    });
    expect(counters).toEqual({ 'class:+': 53, 'class:-': 53 });
    const first = readFileSync(path, 'utf8').split('\n')[0]!.split(',');
    expect(records[0]).toEqual({ id: first[1], seq: first[2]!.trim().toUpperCase(), label: '+' });
    expect(new Set(records.map((r) => r.seq.length))).toEqual(new Set([57]));
  });

  it('reads one FASTA per class (CNNProm B. subtilis): 373/1000', async () => {
    const { records, counters } = await load({
      classes: {
        promoter: sharedData('ml/cnnprom/Bacillus_prom.fa'),
        other: sharedData('ml/cnnprom/Bacillus_non_prom.fa'),
      },
    });
    expect(counters).toEqual({ 'class:promoter': 373, 'class:other': 1000 });
    expect(records[0]).toMatchObject({ id: 'abnA', label: 'promoter' });
    expect(records[373]).toMatchObject({ id: '4214020', label: 'other' });
    expect(new Set(records.map((r) => r.seq.length))).toEqual(new Set([81]));
  });

  it('reads the DNABERT-2 CSV sample with its header auto-detected', async () => {
    const { records } = await load({ path: sharedData('ml/dnabert/dnabert2_sample_dev.csv') });
    expect(records).toHaveLength(15);
  });

  it('fails on a bad row with file:line, or skips it into the rejects file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seq-labelled-'));
    const path = join(dir, 'set.tsv');
    writeFileSync(path, 'sequence\tlabel\nACGT\t1\nAC-GT\t0\nACGT\nACGT\t\n');
    expect(await stageFailure(labelled, { path })).toBe(
      `${path}:3: unexpected character "-" in sequence, expected IUPAC nucleotide codes`,
    );
    expect(await stageFailure(labelled, { path, 'sequence-column': 'seq' })).toBe(
      `${path}:1: no column 'seq' for sequence-column, expected one of sequence, label`,
    );
    const rejects = join(dir, 'rejects.tsv');
    const { records, counters } = await load({ path, 'on-invalid': 'skip', rejects });
    expect(records).toEqual([{ id: 'set.tsv:2', seq: 'ACGT', label: '1' }]);
    expect(counters).toMatchObject({ rejected: 3, 'class:1': 1 });
    expect(readFileSync(rejects, 'utf8')).toBe('AC-GT\t0\nACGT\nACGT\t\n');
  });

  it('keeps only the rows a where=COLUMN=VALUE filter names; an unknown column names file:line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seq-labelled-'));
    const path = join(dir, 'tasks.csv');
    writeFileSync(path, 'task,sequence,label\nsplice,ACGT,a\npromoter,TTTT,b\nsplice,GGGG,c\nsplice\n');
    const { records, counters } = await load({
      path,
      where: 'task=splice',
      'on-invalid': 'skip',
      rejects: join(dir, 'rejects.tsv'),
    });
    expect(records.map((r) => `${r.id} ${r.seq} ${r.label}`)).toEqual([
      'tasks.csv:2 ACGT a',
      'tasks.csv:4 GGGG c',
    ]);
    expect(counters).toMatchObject({ rejected: 1, 'class:a': 1, 'class:c': 1 });
    expect(await stageFailure(labelled, { path, where: 'task=splice' })).toBe(
      `${path}:5: 1 columns, expected at least 3`,
    );
    expect(await stageFailure(labelled, { path, where: 'set=splice' })).toBe(
      `${path}:1: no column 'set' for where, expected one of task, sequence, label`,
    );
    expect(await stageFailure(labelled, { path, where: 'task' })).toMatch(/COLUMN=VALUE/);
  });
});
