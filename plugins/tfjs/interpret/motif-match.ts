/**
 * Motif-to-motif similarity as TOMTOM scores it with its Pearson column comparison: for
 * each offset of the target against the query and each strand of the target, the sum over
 * overlapping columns of the Pearson correlation of the two columns' A C G T
 * probabilities. Overlaps shorter than `minOverlap` (or the shorter motif) are not tried.
 * `similarity` is the score over the longer width: 1 for identical motifs.
 */
export interface MotifMatch {
  score: number;
  similarity: number;
  /** Where the target's first column lies in the query (negative: before it). */
  offset: number;
  strand: '+' | '-';
  overlap: number;
}

function pearson(a: readonly number[], b: readonly number[]): number {
  const ma = (a[0]! + a[1]! + a[2]! + a[3]!) / 4;
  const mb = (b[0]! + b[1]! + b[2]! + b[3]!) / 4;
  let dot = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < 4; i++) {
    dot += (a[i]! - ma) * (b[i]! - mb);
    va += (a[i]! - ma) ** 2;
    vb += (b[i]! - mb) ** 2;
  }
  return va && vb ? dot / Math.sqrt(va * vb) : 0;
}

export function reverseComplement(pwm: readonly number[][]): number[][] {
  return pwm.map((row) => [row[3]!, row[2]!, row[1]!, row[0]!]).reverse();
}

export function matchMotifs(
  query: readonly number[][],
  target: readonly number[][],
  minOverlap = 5,
): MotifMatch {
  const need = Math.min(minOverlap, query.length, target.length);
  let best: MotifMatch = {
    score: Number.NEGATIVE_INFINITY,
    similarity: 0,
    offset: 0,
    strand: '+',
    overlap: 0,
  };
  for (const strand of ['+', '-'] as const) {
    const t = strand === '+' ? target : reverseComplement(target);
    for (let offset = need - t.length; offset <= query.length - need; offset++) {
      let score = 0;
      let overlap = 0;
      for (let j = Math.max(0, offset); j < Math.min(query.length, offset + t.length); j++) {
        score += pearson(query[j]!, t[j - offset]!);
        overlap++;
      }
      if (score > best.score) best = { score, similarity: 0, offset, strand, overlap };
    }
  }
  best.similarity = best.score / Math.max(query.length, target.length);
  return best;
}
