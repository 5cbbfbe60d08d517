import { describe, expect, it } from 'vitest';
import type { SequenceRecord, TokenBatch } from '../../src/plugin-api/index.js';
import { runStageForTest } from '../../src/plugin-api/testing.js';
import { sharedData } from '../../test/shared-data.js';
import { encode } from './encode.js';
import { fastaWindows } from './test-windows.js';
import { makeSpec, PAD, tokenize } from './tokenizer.js';

const windows = fastaWindows(sharedData('fasta/ecoli536_NC_008253.fna'), 1000);

async function encodeWith(threads: number, inputs: SequenceRecord[], extra: Record<string, unknown> = {}) {
  const result = await runStageForTest(encode, {
    params: { k: 6, 'max-tokens': 1000, 'batch-size': 64, threads, ...extra },
    inputs: { in: inputs },
  });
  return result.records as TokenBatch[];
}

function rowsOf(batches: TokenBatch[]) {
  const rows = batches.flatMap((b) =>
    Array.from({ length: b.rows }, (_, r) => b.ids.subarray(r * b.length, (r + 1) * b.length)),
  );
  const bytes = Buffer.concat(
    batches.map((b) => Buffer.from(b.ids.buffer, b.ids.byteOffset, b.ids.byteLength)),
  );
  return { rows, bytes, items: batches.flatMap((b) => b.items) };
}

describe('kmer.encode', () => {
  it('gives the same batches in a pool of 1 or 2 threads as inline, in input order', async () => {
    expect(windows.length).toBe(4939);
    const inline = rowsOf(await encodeWith(0, windows));
    const spec = makeSpec({ k: 6, maxTokens: 1000 });
    expect(inline.rows.length).toBe(windows.length);
    for (const r of [0, 1234, windows.length - 1])
      expect(inline.rows[r]).toEqual(tokenize(windows[r]!.seq, spec));
    for (const threads of [1, 2]) {
      const pooled = rowsOf(await encodeWith(threads, windows));
      expect(pooled.items.map((item) => item.id)).toEqual(windows.map((w) => w.id));
      expect(pooled.bytes.equals(inline.bytes)).toBe(true);
    }
  });

  it('keeps ids, labels and sources on the rows and gives invalid records a [PAD] row', async () => {
    const source = { vcf: 'line 7' };
    const inputs: SequenceRecord[] = [
      { id: 'a', seq: 'ACGTACGT', label: 'promoter', source },
      { id: 'b', seq: '', invalid: 'contig missing', source },
      { id: 'c', seq: 'TTTTTTTT', label: 'other' },
    ];
    const [batch] = await encodeWith(2, inputs, { k: 3, 'max-tokens': 5, cls: true });
    expect(batch!.rows).toBe(3);
    expect(batch!.length).toBe(5);
    expect(batch!.items).toEqual([
      { id: 'a', label: 'promoter', source },
      { id: 'b', invalid: 'contig missing', source },
      { id: 'c', label: 'other' },
    ]);
    expect(batch!.items[0]!.source).toBe(source);
    expect([...batch!.ids.subarray(5, 10)]).toEqual([PAD, PAD, PAD, PAD, PAD]);
    expect(batch!.ids.subarray(0, 5)).toEqual(tokenize('ACGTACGT', batch!.spec));
  });

  it('fails naming the sequence whose bases a worker rejected', async () => {
    const inputs = windows.slice(0, 600).map((w) => ({ ...w }));
    inputs[300]!.seq = `${inputs[300]!.seq.slice(0, 10)}1${inputs[300]!.seq.slice(11)}`;
    await expect(encodeWith(2, inputs)).rejects.toThrow(
      `kmer.encode: sequence "${inputs[300]!.id}": invalid character "1" at position 11`,
    );
  });

  it('stops when the run is aborted', async () => {
    const controller = new AbortController();
    let produced = 0;
    async function* endless(): AsyncGenerator<SequenceRecord> {
      for (let i = 0; ; i++) {
        produced++;
        yield windows[i % windows.length]!;
        if (produced === 2000) setTimeout(() => controller.abort(new Error('run aborted')), 0);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const running = runStageForTest(encode, {
      params: { 'batch-size': 64, threads: 2 },
      inputs: { in: endless() },
      signal: controller.signal,
    });
    await expect(running).rejects.toThrow('run aborted');
    const after = produced;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(produced).toBe(after);
    expect(after).toBeLessThan(3000);
  });
});
