import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidBaseError } from './base-codes.js';
import {
  CLS,
  decode,
  FIRST_KMER_ID,
  makeSpec,
  PAD,
  specHash,
  tokenize,
  UNK,
  vocabulary,
} from './tokenizer.js';
import { writeVocabulary } from './vocab-file.js';

/** Id of a k-mer written out, from the vocabulary itself. */
const idOf = (token: string, spec = makeSpec({ k: token.length })) => vocabulary(spec).indexOf(token);
const row = (ids: number[], length: number) => [...ids, ...new Array(length - ids.length).fill(PAD)];

describe('vocabulary and spec', () => {
  it('puts the specials first and k-mers in 2-bit code order', () => {
    const vocab = vocabulary(makeSpec({ k: 3 }));
    expect(vocab.slice(0, 5)).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    expect(vocab.length).toBe(5 + 64);
    expect(vocab[FIRST_KMER_ID]).toBe('AAA');
    expect(vocab[FIRST_KMER_ID + 0b000110]).toBe('ACG');
    expect(vocab[68]).toBe('TTT');
    expect(vocabulary(makeSpec({ k: 3 }))).toEqual(vocab);
  });

  it('adds single bases and N for non-overlapping k-mers', () => {
    const spec = makeSpec({ kind: 'non-overlapping', k: 2 });
    expect(spec.stride).toBe(2);
    expect(vocabulary(spec).slice(-6)).toEqual(['TT', 'A', 'C', 'G', 'T', 'N']);
    expect(spec.vocabSize).toBe(5 + 16 + 5);
    expect(makeSpec({ kind: 'base' }).vocabSize).toBe(9);
  });

  it('has a stable hash that changes with any field', () => {
    expect(specHash(makeSpec())).toBe('4d2c1e0e1a9a5906e3aa978050a635f5e8d216d286e24c2dcc0ba0270ef9af98');
    expect(specHash(makeSpec({ kind: 'non-overlapping', k: 6, maxTokens: 128, cls: true }))).toBe(
      '3b571cea85bb68032a89b06b8a3c3915ca9888ac54c5d4044272012b5bb8778d',
    );
    expect(specHash(makeSpec({ truncate: 'tail' }))).not.toBe(specHash(makeSpec()));
  });

  it('rejects impossible settings with a readable message', () => {
    expect(() => makeSpec({ k: 13 })).toThrow('k must be an integer from 1 to 12 for tokenizing, got 13');
    expect(() => makeSpec({ kind: 'non-overlapping', k: 6, stride: 3 })).toThrow('stride must be 6');
    expect(() => makeSpec({ k: 3, stride: 4 })).toThrow('stride must be an integer from 1 to k (3), got 4');
    expect(() => makeSpec({ maxTokens: 1, cls: true })).toThrow(
      'max-tokens must be an integer of at least 2',
    );
  });

  it('writes vocab.txt with one token per line, line i being id i', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'kmer-vocab-')), 'vocab.txt');
    await writeVocabulary(path, makeSpec({ k: 2 }));
    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines.length).toBe(5 + 16 + 1);
    expect(lines[FIRST_KMER_ID + 0b0111]).toBe('CT');
  });
});

describe('tokenize', () => {
  it('gives an empty row for a sequence shorter than k', () => {
    expect([...tokenize('ACG', makeSpec({ k: 6, maxTokens: 4 }))]).toEqual([PAD, PAD, PAD, PAD]);
    expect([...tokenize('ACG', makeSpec({ k: 6, maxTokens: 3, cls: true }))]).toEqual([CLS, PAD, PAD]);
  });

  it('reads lower case as upper case', () => {
    const spec = makeSpec({ k: 3, maxTokens: 8 });
    expect([...tokenize('acgTTgca', spec)]).toEqual([...tokenize('ACGTTGCA', spec)]);
    expect([...tokenize('acgt', spec)]).toEqual(row([idOf('ACG'), idOf('CGT')], 8));
  });

  it('turns k-mers with N or IUPAC codes into [UNK], or skips them', () => {
    expect([...tokenize('NNNNN', makeSpec({ k: 3, maxTokens: 4 }))]).toEqual([UNK, UNK, UNK, PAD]);
    expect([...tokenize('NNNNN', makeSpec({ k: 3, maxTokens: 4, ambiguous: 'skip' }))]).toEqual([0, 0, 0, 0]);
    const unk = tokenize('ACRGT', makeSpec({ k: 2, maxTokens: 5 }));
    expect([...unk]).toEqual([idOf('AC'), UNK, UNK, idOf('GT'), PAD]);
    const skipped = tokenize('acrgt', makeSpec({ k: 2, maxTokens: 5, ambiguous: 'skip' }));
    expect([...skipped]).toEqual(row([idOf('AC'), idOf('GT')], 5));
  });

  it('steps overlapping k-mers by the stride', () => {
    expect([...tokenize('ACGTACG', makeSpec({ k: 3, stride: 2, maxTokens: 4 }))]).toEqual(
      row([idOf('ACG'), idOf('GTA'), idOf('ACG')], 4),
    );
  });

  it('splits non-overlapping k-mers at N and gives leftovers as single bases', () => {
    const spec = makeSpec({ kind: 'non-overlapping', k: 3, maxTokens: 8 });
    const vocab = vocabulary(spec);
    const tokens = [...tokenize('ACGTACGNAC', spec)].map((id) => vocab[id]);
    expect(tokens).toEqual(['ACG', 'TAC', 'G', 'N', 'A', 'C', '[PAD]', '[PAD]']);
    const iupac = [...tokenize('ACGTRA', spec)].map((id) => vocab[id]);
    expect(iupac).toEqual(['ACG', 'T', '[UNK]', 'A', '[PAD]', '[PAD]', '[PAD]', '[PAD]']);
    expect([...tokenize('NNN', spec)].slice(0, 3)).toEqual([
      spec.vocabSize - 1,
      spec.vocabSize - 1,
      spec.vocabSize - 1,
    ]);
  });

  it('keeps the head, the tail or the centre of a long sequence, and pads a short one', () => {
    const bases = (s: string) => [...s].map((b) => idOf(b, makeSpec({ kind: 'base' })));
    const seq = 'ACGTACGTAC';
    expect([...tokenize(seq, makeSpec({ kind: 'base', maxTokens: 4 }))]).toEqual(bases('ACGT'));
    expect([...tokenize(seq, makeSpec({ kind: 'base', maxTokens: 4, truncate: 'tail' }))]).toEqual(
      bases('GTAC'),
    );
    expect([...tokenize(seq, makeSpec({ kind: 'base', maxTokens: 4, truncate: 'centre' }))]).toEqual(
      bases('TACG'),
    );
    expect([
      ...tokenize(seq, makeSpec({ kind: 'base', maxTokens: 5, truncate: 'centre', cls: true })),
    ]).toEqual([CLS, ...bases('TACG')]);
    expect([...tokenize('ACG', makeSpec({ kind: 'base', maxTokens: 6, cls: true }))]).toEqual([
      CLS,
      ...bases('ACG'),
      PAD,
      PAD,
    ]);
  });

  it('reports a byte that is no nucleotide with its position', () => {
    expect(() => tokenize('ACGT-A', makeSpec({ k: 2 }))).toThrow(InvalidBaseError);
    expect(() => tokenize('ACGT-A', makeSpec({ k: 2 }))).toThrow('invalid character "-" at position 5');
  });

  it('round-trips decode(tokenize(s)) for overlapping k-mers, k = 1..12', () => {
    let state = 12345;
    const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 16;
    for (let k = 1; k <= 12; k++) {
      for (const stride of new Set([1, Math.max(1, k >> 1), k])) {
        const tokens = 40;
        const length = k + (tokens - 1) * stride;
        const seq = Array.from({ length }, () => 'ACGT'[random() & 3]).join('');
        const spec = makeSpec({ k, stride, maxTokens: tokens + 3, cls: true });
        const ids = tokenize(seq, spec);
        expect(ids.filter((id) => id >= FIRST_KMER_ID).length).toBe(tokens);
        expect(decode(ids, spec)).toBe(seq);
      }
    }
  });
});
