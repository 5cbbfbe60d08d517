import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { SequenceRecord } from '../../src/plugin-api/index.js';
import { runStageForTest } from '../../src/plugin-api/testing.js';
import { sharedData } from '../../test/shared-data.js';
import { count, type KmerCount, type SequenceSpectrum } from './count.js';
import { fastaSequences, fastaWindows } from './test-windows.js';

const run = promisify(execFile);

/** `jellyfish count -m K [-C] -s 10M` then `dump -c -L minCount`, as `kmer count` lines sorted by k-mer. */
async function jellyfishCounts(fasta: string, k: number, canonical: boolean, minCount = 1): Promise<string> {
  const db = join(await mkdtemp(join(tmpdir(), 'kmer-jf-')), 'counts.jf');
  await run('jellyfish', [
    'count',
    '-m',
    String(k),
    ...(canonical ? ['-C'] : []),
    '-s',
    '10M',
    '-o',
    db,
    fasta,
  ]);
  // Byte order (LC_ALL=C): A < C < G < T, the order kmer.count gives.
  const { stdout } = await run('sh', ['-c', `jellyfish dump -c -L ${minCount} '${db}' | LC_ALL=C sort`], {
    maxBuffer: 1 << 30,
    encoding: 'latin1',
  });
  return stdout.trimEnd();
}

/** A FASTA file's sequences cut into overlapping pieces, so that k-mers spanning a cut are counted once. */
function pieces(fasta: string, k: number, chunk: number): SequenceRecord[] {
  return fastaSequences(fasta).flatMap(({ name, seq }) =>
    Array.from({ length: Math.ceil(Math.max(1, seq.length - k + 1) / chunk) }, (_, i) => ({
      id: `${name}:${i}`,
      seq: seq.slice(i * chunk, (i + 1) * chunk + k - 1),
    })),
  );
}

async function countAll(fasta: string, params: Record<string, unknown>, chunk = 100_000) {
  // Pieces of 100 kb: a bacterial genome makes several counting tasks for the pool.
  const records = pieces(fasta, params.k as number, chunk);
  const result = await runStageForTest(count, { params: { per: 'all', ...params }, inputs: { in: records } });
  return result.records as KmerCount[];
}

const asLines = (records: KmerCount[]) => records.map((r) => `${r.kmer} ${r.count}`).join('\n');

describe('kmer.count per: all', () => {
  it('equals jellyfish for k=21 canonical over the E. coli 536 genome (2 threads)', async () => {
    const fasta = sharedData('fasta/ecoli536_NC_008253.fna');
    const theirs = await jellyfishCounts(fasta, 21, true);
    const ours = await countAll(fasta, { k: 21, canonical: true, threads: 2, 'batch-size': 4 });
    expect(ours.length).toBe(4_836_681);
    expect(asLines(ours) === theirs).toBe(true);
  });

  it('equals jellyfish in the main thread, canonical or not, k = 31 and min-count', async () => {
    const fasta = sharedData('fasta/lambda_virus.fa');
    for (const canonical of [false, true]) {
      const ours = await countAll(fasta, { k: 31, canonical, threads: 0 }, 10_000);
      expect(asLines(ours)).toBe(await jellyfishCounts(fasta, 31, canonical));
    }
    const repeated = await countAll(fasta, { k: 5, 'min-count': 60, threads: 0 }, 10_000);
    expect(repeated.length).toBeGreaterThan(10);
    expect(asLines(repeated)).toBe(await jellyfishCounts(fasta, 5, false, 60));
  });

  it('equals jellyfish with 3 threads for k = 31, min-count 2, over one long soft-masked sequence with Ns', async () => {
    // E. coli with a soft-masked (lowercase) stretch and runs of N, which break k-mers.
    const [{ name, seq }] = fastaSequences(sharedData('fasta/ecoli536_NC_008253.fna')) as [
      { name: string; seq: string },
    ];
    const edited = `${seq.slice(0, 1_000_000)}${seq.slice(1_000_000, 1_200_000).toLowerCase()}${'N'.repeat(50)}${seq.slice(1_200_050, 3_000_000)}N${seq.slice(3_000_001)}`;
    const fasta = join(await mkdtemp(join(tmpdir(), 'kmer-count-')), 'edited.fa');
    await writeFile(fasta, `>${name}\n${edited}\n`);
    // One record of 5 Mb: cut into pieces for the pool inside the stage.
    const result = await runStageForTest(count, {
      params: { per: 'all', k: 31, canonical: true, 'min-count': 2, threads: 3 },
      inputs: { in: [{ id: name, seq: edited }] },
    });
    const ours = result.records as KmerCount[];
    expect(ours.length).toBeGreaterThan(1000);
    expect(asLines(ours)).toBe(await jellyfishCounts(fasta, 31, true, 2));
  });

  it('fails naming the sequence and position of a byte that is no base, in a pool', async () => {
    const records = pieces(sharedData('fasta/ecoli536_NC_008253.fna'), 21, 100_000);
    const bad = (seq: string, at: number) => `${seq.slice(0, at)}*${seq.slice(at + 1)}`;
    records[30] = { ...records[30]!, seq: bad(records[30]!.seq, 500) };
    const inPieces = runStageForTest(count, {
      params: { per: 'all', k: 21, threads: 2 },
      inputs: { in: records },
    });
    await expect(inPieces).rejects.toThrow(
      `kmer.count: sequence "${records[30]!.id}": invalid character "*" at position 501`,
    );
    // In one long sequence, past the first piece the stage cuts it into.
    const [{ name, seq }] = fastaSequences(sharedData('fasta/ecoli536_NC_008253.fna')) as [
      { name: string; seq: string },
    ];
    const whole = runStageForTest(count, {
      params: { per: 'all', k: 21, threads: 2 },
      inputs: { in: [{ id: name, seq: bad(seq, 3_000_123) }] },
    });
    await expect(whole).rejects.toThrow(
      `kmer.count: sequence "${name}": invalid character "*" at position 3000124`,
    );
  });

  it('fails naming the sequence with a byte that is no base', async () => {
    const inputs = fastaWindows(sharedData('fasta/lambda_virus.fa'), 1000);
    inputs[20] = { ...inputs[20]!, seq: 'ACGT*ACGT' };
    const running = runStageForTest(count, {
      params: { per: 'all', k: 21, threads: 2 },
      inputs: { in: inputs },
    });
    await expect(running).rejects.toThrow(
      `kmer.count: sequence "${inputs[20]!.id}": invalid character "*" at position 5`,
    );
  });
});

/** The plain reference: every window of k letters, counted in a Map. */
function naiveSpectrum(seq: string, k: number, canonical: boolean): Map<string, number> {
  const complement: Record<string, string> = { A: 'T', C: 'G', G: 'C', T: 'A' };
  const counts = new Map<string, number>();
  for (let i = 0; i + k <= seq.length; i++) {
    let kmer = seq.slice(i, i + k).toUpperCase();
    if (!/^[ACGT]+$/.test(kmer)) continue;
    const reverse = [...kmer]
      .reverse()
      .map((b) => complement[b])
      .join('');
    if (canonical && reverse < kmer) kmer = reverse;
    counts.set(kmer, (counts.get(kmer) ?? 0) + 1);
  }
  return counts;
}

function spectrumAsMap(spectrum: Uint32Array | Float32Array, k: number): Map<string, number> {
  const counts = new Map<string, number>();
  spectrum.forEach((n, code) => {
    if (n === 0) return;
    let kmer = '';
    for (let j = k - 1; j >= 0; j--) kmer += 'ACGT'[Math.floor(code / 4 ** j) % 4];
    counts.set(kmer, n);
  });
  return counts;
}

describe('kmer.count per: sequence', () => {
  const windows = fastaWindows(sharedData('fasta/lambda_virus.fa'), 1000);
  if (windows.length)
    windows[3] = { ...windows[3]!, seq: `acgtNNacgtRYacgtacgt${windows[3]!.seq.slice(20)}` };

  it('gives k=6 dense spectra equal to a naive count, raw and canonical, in a pool and inline', async () => {
    for (const threads of [0, 2]) {
      for (const canonical of [false, true]) {
        const result = await runStageForTest(count, {
          params: { k: 6, canonical, threads, 'batch-size': 8 },
          inputs: { in: windows },
        });
        const records = result.records as SequenceSpectrum[];
        expect(records.map((r) => r.id)).toEqual(windows.map((w) => w.id));
        for (const record of records) {
          expect(record.spectrum.length).toBe(4096);
          expect(spectrumAsMap(record.spectrum, 6)).toEqual(naiveSpectrum(record.seq, 6, canonical));
        }
      }
    }
  });

  it('normalizes each spectrum by its number of k-mers', async () => {
    const result = await runStageForTest(count, {
      params: { k: 3, normalize: true },
      inputs: { in: windows.slice(0, 4) },
    });
    for (const record of result.records as SequenceSpectrum[]) {
      const naive = naiveSpectrum(record.seq, 3, false);
      const total = [...naive.values()].reduce((a, b) => a + b, 0);
      const expected = new Map([...naive].map(([kmer, n]) => [kmer, Math.fround(n / total)]));
      expect(spectrumAsMap(record.spectrum, 3)).toEqual(expected);
    }
  });

  it('refuses k > 12 for dense spectra', async () => {
    await expect(runStageForTest(count, { params: { k: 13 }, inputs: { in: windows } })).rejects.toThrow(
      'per: sequence gives dense spectra of 4^k entries, so k must be <= 12',
    );
  });
});
