/** A nucleotide sequence: IUPAC codes (U for RNA), either case. */
const NUCLEOTIDES = /^[ACGTUNRYSWKMBDHV]+$/i;

export function isNucleotides(text: string): boolean {
  return NUCLEOTIDES.test(text);
}

export function invalidSequenceReason(text: string): string {
  if (text === '') return 'empty sequence, expected nucleotides';
  const bad = text.match(/[^ACGTUNRYSWKMBDHV]/i)![0];
  return `unexpected character ${JSON.stringify(bad)} in sequence, expected IUPAC nucleotide codes`;
}
