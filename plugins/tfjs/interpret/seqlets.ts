/**
 * Seqlets (TF-MoDISco's term): windows of a sequence whose attributions are high. Every
 * window of `width` bases is scored by the sum of its attributions; windows above
 * median + z · 1.4826 · MAD of all windows of all sequences are taken best first, each
 * suppressing the windows that overlap it.
 */
export interface AttributedSequence {
  bases: string;
  /** Per base; NaN counts as 0. */
  scores: readonly number[];
}

export interface Seqlet {
  sequence: number;
  start: number;
  score: number;
}

function windowSums(scores: readonly number[], width: number): Float64Array {
  const n = Math.max(0, scores.length - width + 1);
  const sums = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    sum += Number.isNaN(scores[i]!) ? 0 : scores[i]!;
    if (i >= width) sum -= Number.isNaN(scores[i - width]!) ? 0 : scores[i - width]!;
    if (i >= width - 1) sums[i - width + 1] = sum;
  }
  return sums;
}

function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function callSeqlets(sequences: readonly AttributedSequence[], width: number, z: number): Seqlet[] {
  const sums = sequences.map((s) => windowSums(s.scores, width));
  const all = Float64Array.from(sums.flatMap((s) => Array.from(s)));
  if (!all.length) return [];
  const centre = median(all);
  const spread = 1.4826 * median(all.map((v) => Math.abs(v - centre)));
  const threshold = centre + z * spread;
  const seqlets: Seqlet[] = [];
  sums.forEach((windows, sequence) => {
    const taken = new Uint8Array(windows.length);
    const order = Array.from(windows.keys()).sort((a, b) => windows[b]! - windows[a]!);
    for (const start of order) {
      if (!(windows[start]! > threshold)) break;
      if (taken[start]) continue;
      seqlets.push({ sequence, start, score: windows[start]! });
      for (let i = Math.max(0, start - width + 1); i < Math.min(windows.length, start + width); i++)
        taken[i] = 1;
    }
  });
  return seqlets.sort((a, b) => b.score - a.score || a.sequence - b.sequence || a.start - b.start);
}
