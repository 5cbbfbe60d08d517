import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileWat } from '../../scripts/wat-to-module.js';
import type { TokenizerSpec } from '../../src/plugin-api/index.js';
import { InvalidBaseError } from './base-codes.js';
import { WASM_BASE64 } from './overlapping-kernel-wasm.js';
import { packSequences } from './packed-sequences.js';
import { CLS, FIRST_KMER_ID, makeSpec, PAD, tokenizeRows, UNK } from './tokenizer.js';

/** The row a reader of the DNABERT scheme writes by hand: every window, [UNK] if it holds a non-ACGT base. */
function referenceRow(seq: string, spec: TokenizerSpec): number[] {
  const ids: number[] = spec.addCls ? [CLS] : [];
  for (let i = 0; i + spec.k <= seq.length && ids.length < spec.maxTokens; i++) {
    const window = seq.slice(i, i + spec.k).toUpperCase();
    if (/[^ACGT]/.test(window)) {
      if (spec.ambiguous === 'unk') ids.push(UNK);
      continue;
    }
    ids.push(FIRST_KMER_ID + [...window].reduce((code, base) => code * 4 + 'ACGT'.indexOf(base), 0));
  }
  return [...ids, ...new Array(spec.maxTokens - ids.length).fill(PAD)];
}

/** Seeded, so a failure can be replayed. */
function randomRows(count: number, maxLength: number, seed: number): string[] {
  let state = seed;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  return Array.from({ length: count }, () => {
    const letters = Array.from(
      { length: Math.floor(next() * maxLength) },
      () => 'ACGTacgt'[Math.floor(next() * 8)],
    );
    const odd = next();
    // One row in ten holds an N or another IUPAC code somewhere.
    if (letters.length > 0 && odd < 0.1)
      letters[Math.floor(next() * letters.length)] = odd < 0.05 ? 'N' : 'r';
    return letters.join('');
  });
}

function encodeAll(rows: string[], spec: TokenizerSpec): Int32Array {
  const out = new Int32Array(rows.length * spec.maxTokens);
  tokenizeRows(packSequences(rows), 0, rows.length, spec, out, 0);
  return out;
}

describe('overlapping k-mer kernel (WebAssembly)', () => {
  it('is built from its .wat: the committed module is what wabt makes of it', async () => {
    const wat = fileURLToPath(new URL('./overlapping-kernel.wat', import.meta.url));
    expect(readFileSync(wat, 'utf8')).toContain('encodeRows');
    expect(Buffer.from(await compileWat(wat)).toString('base64')).toBe(WASM_BASE64);
  });

  it.each([
    { k: 1, maxTokens: 7, cls: false },
    { k: 3, maxTokens: 5, cls: true },
    { k: 6, maxTokens: 145, cls: false },
    { k: 6, maxTokens: 300, cls: true },
    { k: 12, maxTokens: 64, cls: false },
  ])('equals the reference row by row, k=$k, max-tokens $maxTokens, cls $cls', ({ k, maxTokens, cls }) => {
    // Rows from empty to past the row's end, many chunks of them, ambiguous bases included.
    const rows = randomRows(3000, 400, k * 1000 + maxTokens);
    for (const ambiguous of ['unk', 'skip'] as const) {
      const spec = makeSpec({ k, maxTokens, cls, ambiguous });
      const ids = encodeAll(rows, spec);
      rows.forEach((seq, r) => {
        expect([...ids.subarray(r * maxTokens, (r + 1) * maxTokens)], `row ${r}: ${seq}`).toEqual(
          referenceRow(seq, spec),
        );
      });
    }
  });

  it('writes a range of rows at an offset and leaves the rest of the output alone', () => {
    const rows = randomRows(40, 60, 3);
    const spec = makeSpec({ k: 4, maxTokens: 20 });
    const out = new Int32Array(25 * spec.maxTokens).fill(-1);
    tokenizeRows(packSequences(rows), 10, 30, spec, out, 5 * spec.maxTokens);
    expect([...out.subarray(0, 5 * spec.maxTokens)].every((id) => id === -1)).toBe(true);
    expect([...out.subarray(5 * spec.maxTokens)]).toEqual(
      rows.slice(10, 30).flatMap((seq) => referenceRow(seq, spec)),
    );
  });

  it('reads only the head of a sequence longer than a chunk, N or not', () => {
    const spec = makeSpec({ k: 6, maxTokens: 512 });
    const long = 'ACGTTGCA'.repeat(300_000);
    const withN = `${long.slice(0, 100)}N${long.slice(101)}`;
    // A bad byte past the row's end is never read, as the tokenizer never read it before.
    const ids = encodeAll(['ACGTAC', `${long}*`, withN, 'GATTACA'], spec);
    expect([...ids.subarray(spec.maxTokens, 2 * spec.maxTokens)]).toEqual(referenceRow(long, spec));
    expect([...ids.subarray(2 * spec.maxTokens, 3 * spec.maxTokens)]).toEqual(referenceRow(withN, spec));
    expect([...ids.subarray(3 * spec.maxTokens)]).toEqual(referenceRow('GATTACA', spec));
  });

  it('names the row and position of a byte that is not a base', () => {
    const rows = randomRows(2000, 200, 9).map((seq) => seq.replace(/[^ACGTacgt]/g, 'A'));
    rows[1234] = `${'ACGT'.repeat(10)}*${'ACGT'.repeat(10)}`;
    const error = (() => {
      try {
        encodeAll(rows, makeSpec({ k: 6, maxTokens: 145 }));
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(InvalidBaseError);
    expect(error).toMatchObject({ row: 1234, position: 40 });
  });
});
