/**
 * Record shapes shared between plugins, so that a stage of one plugin can consume what
 * a stage of another gives without importing it. Each is named by its port type.
 */

/** Port `sequence`: a named stretch of DNA, with an optional class label. */
export interface SequenceRecord {
  id: string;
  seq: string;
  label?: string;
  /** Where the sequence came from, carried through to the end (e.g. the VCF record). */
  source?: unknown;
  /** Coordinates when known (0-based start, end exclusive). */
  chrom?: string;
  start?: number;
  end?: number;
  /**
   * Why no sequence could be built (contig missing, REF mismatch, symbolic allele). Such a
   * record still flows to the end, in order, so every input record comes out; models give it
   * a missing (NaN) score.
   */
  invalid?: string;
}

/** The tokenizer settings a model was trained with; predict refuses any other. */
export interface TokenizerSpec {
  kind: 'overlapping' | 'non-overlapping' | 'base';
  k: number;
  stride: number;
  maxTokens: number;
  truncate: 'head' | 'tail' | 'centre';
  /** What a k-mer with N or another IUPAC code becomes. */
  ambiguous: 'unk' | 'skip';
  addCls: boolean;
  vocabSize: number;
}

/** Port `token-batch`: token ids of `rows` sequences, each padded to `length`. */
export interface TokenBatch {
  /** Row-major token ids, `rows * length` long; crosses worker threads as a transferable. */
  ids: Int32Array;
  rows: number;
  length: number;
  spec: TokenizerSpec;
  /** Per row: the sequence's id, label and source. */
  items: Array<Omit<SequenceRecord, 'seq'>>;
}

/** Port `prediction`: a model's output for one sequence. */
export interface Prediction {
  id: string;
  /** The true label when the input had one. */
  label?: string;
  predicted: string;
  /** Class probabilities, in the order of `classes`. */
  probabilities: number[];
  classes: string[];
  /** Probability of the positive (last) class; the usual single score. */
  score: number;
  source?: unknown;
}
