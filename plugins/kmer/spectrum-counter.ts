/** 2-bit codes of A, C, G, T (either case); 4 for anything else (N, IUPAC), which breaks a k-mer. */
const CODE = new Uint8Array(256).fill(4);
for (const [i, b] of ['A', 'C', 'G', 'T'].entries()) {
  CODE[b.charCodeAt(0)] = i;
  CODE[b.toLowerCase().charCodeAt(0)] = i;
}

/** A dense k-mer spectrum and base composition of one group of reads. */
export class SpectrumCounter {
  readonly counts: Uint32Array;
  reads = 0;
  /** Every base, N included. */
  bases = 0;
  /** A, C, G and T bases. */
  acgt = 0;
  gc = 0;
  /** k-mer windows counted (windows holding a base other than ACGT are not). */
  kmers = 0;
  private readonly mask: number;

  constructor(
    readonly k: number,
    readonly canonical: boolean,
  ) {
    this.counts = new Uint32Array(4 ** k);
    this.mask = 4 ** k - 1;
  }

  add(seq: string): void {
    const { k, counts, mask, canonical } = this;
    const shift = 2 * (k - 1);
    this.reads++;
    this.bases += seq.length;
    let code = 0;
    let reverse = 0;
    let run = 0;
    for (let i = 0; i < seq.length; i++) {
      const c = CODE[seq.charCodeAt(i) & 0xff]!;
      if (c === 4) {
        run = 0;
        continue;
      }
      this.acgt++;
      if (c === 1 || c === 2) this.gc++;
      // Multiplication, not shifts: 2k may reach 32 bits at k = 16 (capped below that).
      code = ((code * 4) & mask) + c;
      reverse = (reverse >>> 2) + (3 - c) * 2 ** shift;
      if (++run >= k) {
        counts[canonical && reverse < code ? reverse : code]!++;
        this.kmers++;
      }
    }
  }

  get distinct(): number {
    let n = 0;
    for (const c of this.counts) if (c) n++;
    return n;
  }
}

/** The k-mer of index `code` (A=0, C=1, G=2, T=3; most significant base first). */
export function kmerOf(code: number, k: number): string {
  let text = '';
  for (let i = k - 1; i >= 0; i--) text += 'ACGT'[Math.floor(code / 4 ** i) % 4];
  return text;
}
