/**
 * Byte-level classification of nucleotides, shared by every k-mer kernel. Kernels work on
 * latin1 bytes through this 256-entry table rather than on string characters.
 */

/** A byte that is N or another IUPAC ambiguity code (either case). */
export const AMBIGUOUS = 4;
/** A byte that is not a nucleotide letter at all. */
export const NOT_A_BASE = 5;

/** 2-bit code of each byte: A=0 C=1 G=2 T=3 (either case), else AMBIGUOUS or NOT_A_BASE. */
export const BASE_CODE: Uint8Array = (() => {
  const table = new Uint8Array(256).fill(NOT_A_BASE);
  const set = (letters: string, code: number) => {
    for (const ch of letters) {
      table[ch.charCodeAt(0)] = code;
      table[ch.toLowerCase().charCodeAt(0)] = code;
    }
  };
  set('NRYSWKMBDHV', AMBIGUOUS);
  set('A', 0);
  set('C', 1);
  set('G', 2);
  set('T', 3);
  return table;
})();

const N_BYTE = 'N'.charCodeAt(0);
const n_BYTE = 'n'.charCodeAt(0);

/** Whether a byte is `N` or `n` (non-overlapping tokenizers give N its own token). */
export function isN(byte: number): boolean {
  return byte === N_BYTE || byte === n_BYTE;
}

/** Raised by a kernel for a byte that is no nucleotide; `row` is the sequence's index in its batch. */
export class InvalidBaseError extends Error {
  constructor(
    readonly row: number,
    readonly position: number,
    readonly byte: number,
  ) {
    super(
      `invalid character ${JSON.stringify(String.fromCharCode(byte))} at position ${position + 1}, ` +
        'expected A, C, G, T, N or another IUPAC nucleotide code',
    );
  }
}

/** The letters of the 2-bit codes, in code order (which is also lexicographic order). */
export const BASES = 'ACGT';

/** The longest k a tokenizer takes (its vocabulary grows as 4^k). */
export const MAX_TOKENIZER_K = 12;
