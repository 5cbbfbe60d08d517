/**
 * `fasta.read` hands FASTA on as blocks of unparsed text; `kmer.encode` parses them in its
 * workers. Both paths must give exactly what parsing record by record gives, errors included.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { read } from '../../plugins/fasta/read.js';
import { count } from '../../plugins/kmer/count.js';
import type { KmerCount } from '../../plugins/kmer/count-run.js';
import { encode } from '../../plugins/kmer/encode.js';
import { fastaWindows } from '../../plugins/kmer/test-windows.js';
import type { SequenceRecord, TokenBatch } from '../../src/plugin-api/index.js';
import { runStageForTest, stageError, stageOutputForTest } from '../../src/plugin-api/testing.js';
import { tempDir } from '../helpers.js';
import { sharedData } from '../shared-data.js';

const dir = tempDir('fasta-blocks');
const windows = fastaWindows(sharedData('fasta/ecoli536_NC_008253.fna'), 1000);

/** The windows as a multi-line FASTA of about 5 MB (several blocks), some soft-masked or with Ns. */
function fastaText(eol = '\n'): { text: string; records: Required<Pick<SequenceRecord, 'id' | 'seq'>>[] } {
  const records = windows.map((w, i) => ({
    id: `w${i}`,
    seq: i % 7 === 0 ? w.seq.toLowerCase() : i % 11 === 0 ? `NN${w.seq.slice(2)}` : w.seq,
  }));
  const lines: string[] = [];
  for (const [i, r] of records.entries()) {
    lines.push(`>${r.id} window ${i} of E. coli 536`);
    for (let at = 0; at < r.seq.length; at += 70) lines.push(r.seq.slice(at, at + 70));
  }
  return { text: lines.join(eol) + eol, records };
}

const { text, records } = fastaText();
const path = join(dir, 'windows.fa');
writeFileSync(path, text);

const ENCODE = { k: 6, 'max-tokens': 1000, 'batch-size': 64 };

async function encodeBlocks(file: string, threads: number) {
  const input = stageOutputForTest(read, { params: { path: file, label: 'ecoli' } });
  return (await runStageForTest(encode, { params: { ...ENCODE, threads }, inputs: { in: input } }))
    .records as TokenBatch[];
}

const idBytes = (batches: TokenBatch[]) =>
  Buffer.concat(batches.map((b) => Buffer.from(b.ids.buffer, b.ids.byteOffset, b.ids.byteLength)));

describe('FASTA blocks from fasta.read', () => {
  it('give the records a line-by-line parse gives, across block boundaries, with \\n or \\r\\n', async () => {
    expect(text.length).toBeGreaterThan(4 << 20);
    for (const eol of ['\n', '\r\n']) {
      const file = join(dir, `eol-${eol.length}.fa`);
      // No newline after the last line, too.
      writeFileSync(file, fastaText(eol).text.trimEnd());
      const got = (await runStageForTest(read, { params: { path: file } })).records as SequenceRecord[];
      expect(got.map((r) => r.id)).toEqual(records.map((r) => r.id));
      expect(got.map((r) => r.seq)).toEqual(records.map((r) => r.seq));
      expect(got[5]).toMatchObject({ id: 'w5', description: 'window 5 of E. coli 536' });
    }
  });

  it('are encoded in the workers exactly as records are, in order, with ids and labels', async () => {
    const labelled = records.map((r, i) => ({
      ...r,
      description: `window ${i} of E. coli 536`,
      label: 'ecoli',
    }));
    const fromRecords = (
      await runStageForTest(encode, { params: { ...ENCODE, threads: 0 }, inputs: { in: labelled } })
    ).records as TokenBatch[];
    const expected = idBytes(fromRecords);
    for (const threads of [0, 1, 2]) {
      const batches = await encodeBlocks(path, threads);
      expect(batches.reduce((n, b) => n + b.rows, 0)).toBe(records.length);
      expect(idBytes(batches).equals(expected)).toBe(true);
      expect(batches.flatMap((b) => b.items)).toEqual(labelled.map(({ seq, ...item }) => item));
    }
  });

  it('name the file and line of a malformed record deep in the file, parsed in a worker or not', async () => {
    const lines = text.split('\n');
    // A header with no name in the fourth megabyte.
    const at = lines.findIndex((line, i) => i > 60_000 && line.startsWith('>'));
    const broken = [...lines];
    broken[at] = '>';
    const file = join(dir, 'no-name.fa');
    writeFileSync(file, broken.join('\n'));
    const where = `${file}:${at + 1}: header has no name, expected '>name'`;
    expect((await stageError(read, { params: { path: file } })).message).toContain(where);
    const input = stageOutputForTest(read, { params: { path: file } });
    const err = await stageError(encode, { params: { ...ENCODE, threads: 2 }, inputs: { in: input } });
    expect(err.message).toContain(where);
  });

  it('leave a byte that is no base to the k-mer kernel, which names the sequence', async () => {
    const lines = text.split('\n');
    const at = lines.findIndex((line, i) => i > 50_000 && line.startsWith('>'));
    const broken = [...lines];
    broken[at + 2] = `${broken[at + 2]!.slice(0, 9)}*${broken[at + 2]!.slice(10)}`;
    const file = join(dir, 'star.fa');
    writeFileSync(file, broken.join('\n'));
    const id = lines[at]!.slice(1).split(' ')[0];
    const err = await stageError(encode, {
      params: { ...ENCODE, threads: 2 },
      inputs: { in: stageOutputForTest(read, { params: { path: file } }) },
    });
    expect(err.message).toContain(`sequence "${id}": invalid character "*" at position 80`);
  });

  it('are counted in the workers exactly as records are (k=21 canonical), a bad base named', async () => {
    const params = { per: 'all', k: 21, canonical: true };
    const expected = (
      await runStageForTest(count, { params: { ...params, threads: 0 }, inputs: { in: records } })
    ).records as KmerCount[];
    expect(expected.length).toBeGreaterThan(4_000_000);
    const blocks = stageOutputForTest(read, { params: { path } });
    const got = (await runStageForTest(count, { params: { ...params, threads: 2 }, inputs: { in: blocks } }))
      .records as KmerCount[];
    expect(got.length).toBe(expected.length);
    expect(got.every((r, i) => r.kmer === expected[i]!.kmer && r.count === expected[i]!.count)).toBe(true);
    const lines = text.split('\n');
    const at = lines.findIndex((line, i) => i > 50_000 && line.startsWith('>'));
    lines[at + 1] = `${lines[at + 1]!.slice(0, 4)}!${lines[at + 1]!.slice(5)}`;
    const file = join(dir, 'bang.fa');
    writeFileSync(file, lines.join('\n'));
    const err = await stageError(count, {
      params: { ...params, threads: 2 },
      inputs: { in: stageOutputForTest(read, { params: { path: file } }) },
    });
    expect(err.message).toContain(
      `sequence "${lines[at]!.slice(1).split(' ')[0]}": invalid character "!" at position 5`,
    );
  });
});
