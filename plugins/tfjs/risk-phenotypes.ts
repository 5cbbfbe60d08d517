import type { Rng } from '../../src/plugin-api/index.js';

export interface PhenotypeRule {
  sampleColumn: string;
  phenotypeColumn: string;
  caseValue: string | number;
  /** When set, a numeric phenotype above it is a case (caseValue is then unused). */
  threshold?: number;
}

export interface Outcomes {
  /** Matrix rows (samples) that have a phenotype, in matrix order. */
  rows: number[];
  /** 1 for a case, 0 for a control, per entry of `rows`. */
  y: Float32Array;
  /** The phenotype as written, per entry of `rows`. */
  values: (string | number)[];
  /** Samples of the matrix without a usable phenotype; phenotype rows without genotypes. */
  withoutPhenotype: number;
  withoutGenotypes: number;
}

const MISSING = new Set(['', 'NA', 'na', 'NaN', '.', '-9']);

/** Matches phenotype records to the matrix's samples and turns each phenotype into case (1) or control (0). */
export function outcomes(
  samples: readonly string[],
  records: Record<string, unknown>[],
  rule: PhenotypeRule,
): Outcomes {
  const bySample = new Map<string, string | number>();
  for (const record of records) {
    if (!(rule.sampleColumn in record) || !(rule.phenotypeColumn in record)) {
      throw new Error(
        `phenotypes: a row lacks column '${rule.sampleColumn}' or '${rule.phenotypeColumn}', expected both (columns: ${Object.keys(record).join(', ')})`,
      );
    }
    const value = record[rule.phenotypeColumn] as string | number;
    if (!MISSING.has(String(value))) bySample.set(String(record[rule.sampleColumn]), value);
  }
  const known = new Set(samples);
  let withoutGenotypes = 0;
  for (const sample of bySample.keys()) if (!known.has(sample)) withoutGenotypes++;
  const rows: number[] = [];
  const values: (string | number)[] = [];
  const y: number[] = [];
  samples.forEach((sample, row) => {
    const value = bySample.get(sample);
    if (value === undefined) return;
    let isCase: boolean;
    if (rule.threshold !== undefined) {
      const number = Number(value);
      if (!Number.isFinite(number)) {
        throw new Error(
          `phenotypes: sample ${sample}: '${value}' is not a number, expected one (threshold is set)`,
        );
      }
      isCase = number > rule.threshold;
    } else isCase = String(value) === String(rule.caseValue);
    rows.push(row);
    values.push(value);
    y.push(isCase ? 1 : 0);
  });
  return {
    rows,
    y: Float32Array.from(y),
    values,
    withoutPhenotype: samples.length - rows.length,
    withoutGenotypes,
  };
}

/** Stratified folds: each class shuffled by the seeded `rng`, then dealt round-robin. */
export function stratifiedFolds(y: Float32Array, folds: number, rng: Rng): Int32Array {
  const fold = new Int32Array(y.length);
  for (const cls of [0, 1]) {
    const members = rng.shuffle([...y.keys()].filter((i) => y[i] === cls));
    members.forEach((i, n) => {
      fold[i] = n % folds;
    });
  }
  return fold;
}
