import type { AttributedSequence, Seqlet } from './seqlets.js';

/**
 * Seqlets clustered into motifs, greedily as TF-MoDISco's seeding does: each seqlet (best
 * first) is compared, at every shift of up to `flank` bases and on both strands, with each
 * cluster's summed contribution matrix (a base's attribution in its base's column, zero in
 * the others) by cosine similarity; it joins the most similar cluster at `similarity` or
 * more, else starts one. A cluster's motif is trimmed to the columns whose summed
 * contribution is at least `trim` × its largest column's, and its PWM counts the bases of
 * its members there.
 */
export interface Site {
  sequence: number;
  /** Forward-strand start of the aligned window (width + 2 × flank, may overhang). */
  start: number;
  strand: '+' | '-';
}

export interface Motif {
  /** Rows of A C G T probabilities. */
  pwm: number[][];
  consensus: string;
  support: number;
  sites: Site[];
}

export interface ClusterOptions {
  width: number;
  flank: number;
  similarity: number;
  trim: number;
  minSupport: number;
}

const CODE: Record<string, number> = { A: 0, C: 1, G: 2, T: 3 };

/** The base codes (-1: N or outside) of the window at `start`, `span` long, on `strand`. */
function windowBases(
  sequence: AttributedSequence,
  start: number,
  span: number,
  strand: '+' | '-',
): Int8Array {
  const out = new Int8Array(span).fill(-1);
  for (let j = 0; j < span; j++) {
    const pos = strand === '+' ? start + j : start + span - 1 - j;
    const code = CODE[sequence.bases[pos] ?? 'N'];
    if (code !== undefined) out[j] = strand === '+' ? code : 3 - code;
  }
  return out;
}

function contributions(
  sequence: AttributedSequence,
  start: number,
  span: number,
  strand: '+' | '-',
): Float64Array {
  const bases = windowBases(sequence, start, span, strand);
  const out = new Float64Array(span * 4);
  for (let j = 0; j < span; j++) {
    const pos = strand === '+' ? start + j : start + span - 1 - j;
    const score = sequence.scores[pos];
    if (bases[j]! >= 0 && score !== undefined && !Number.isNaN(score)) out[j * 4 + bases[j]!] = score;
  }
  return out;
}

function cosine(a: Float64Array, b: Float64Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

export function clusterSeqlets(
  sequences: readonly AttributedSequence[],
  seqlets: readonly Seqlet[],
  options: ClusterOptions,
): Motif[] {
  const { width, flank } = options;
  const span = width + 2 * flank;
  const clusters: { sum: Float64Array; sites: Site[] }[] = [];
  for (const seqlet of seqlets) {
    const sequence = sequences[seqlet.sequence]!;
    let best: { cluster: number; site: Site; c: Float64Array; similarity: number } | undefined;
    for (const [index, cluster] of clusters.entries()) {
      for (let shift = -flank; shift <= flank; shift++) {
        for (const strand of ['+', '-'] as const) {
          const start = seqlet.start - flank + shift;
          const c = contributions(sequence, start, span, strand);
          const similarity = cosine(cluster.sum, c);
          if (!best || similarity > best.similarity)
            best = { cluster: index, site: { sequence: seqlet.sequence, start, strand }, c, similarity };
        }
      }
    }
    if (best && best.similarity >= options.similarity) {
      const cluster = clusters[best.cluster]!;
      for (let i = 0; i < span * 4; i++) cluster.sum[i]! += best.c[i]!;
      cluster.sites.push(best.site);
    } else {
      const start = seqlet.start - flank;
      clusters.push({
        sum: contributions(sequence, start, span, '+'),
        sites: [{ sequence: seqlet.sequence, start, strand: '+' }],
      });
    }
  }
  return clusters
    .filter((c) => c.sites.length >= options.minSupport)
    .map((c) => motifOf(sequences, c, span, options.trim))
    .sort((a, b) => b.support - a.support);
}

function motifOf(
  sequences: readonly AttributedSequence[],
  cluster: { sum: Float64Array; sites: Site[] },
  span: number,
  trim: number,
): Motif {
  const importance = Array.from({ length: span }, (_, j) =>
    cluster.sum.subarray(j * 4, j * 4 + 4).reduce((a, b) => a + Math.max(0, b), 0),
  );
  const peak = importance.indexOf(Math.max(...importance));
  let from = peak;
  let to = peak;
  while (from > 0 && importance[from - 1]! >= trim * importance[peak]!) from--;
  while (to < span - 1 && importance[to + 1]! >= trim * importance[peak]!) to++;
  const counts = Array.from({ length: to - from + 1 }, () => [0, 0, 0, 0]);
  for (const site of cluster.sites) {
    const bases = windowBases(sequences[site.sequence]!, site.start, span, site.strand);
    for (let j = from; j <= to; j++) if (bases[j]! >= 0) counts[j - from]![bases[j]!]!++;
  }
  const pwm = counts.map((column) => {
    const total = column.reduce((a, b) => a + b, 0);
    return column.map((n) => (total ? n / total : 0.25));
  });
  const consensus = pwm.map((column) => 'ACGT'[column.indexOf(Math.max(...column))]).join('');
  // The sites as the trimmed motif's own windows.
  const sites = cluster.sites.map((s) => ({
    ...s,
    start: s.strand === '+' ? s.start + from : s.start + span - 1 - to,
  }));
  return { pwm, consensus, support: cluster.sites.length, sites };
}
