import { defineStage, type SequenceRecord, z } from '../../src/plugin-api/index.js';
import { locus, overlaps, parseRegion } from './locus.js';

export const split = defineStage({
  description:
    'Deterministic train/test (or K-fold) split: stratified by label, or by region (whole chromosomes, held-out regions); buffers its input',
  params: z
    .strictObject({
      fraction: z
        .number()
        .gt(0)
        .lt(1)
        .default(0.2)
        .describe('Share of each class that goes to the test side.'),
      seed: z.number().int().default(1),
      take: z.enum(['train', 'test']),
      folds: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe(
          'K-fold instead of `fraction`: fold `fold` (0-based) of `folds` is the test side; `folds: 1` is the one `fraction` split (a workflow whose `each: { folds: K }` is given K = 1).',
        ),
      fold: z.number().int().nonnegative().optional(),
      /**
       * `chrom`: whole chromosomes go to one side (no positional leakage between train and
       * test); `record`: each record on its own, stratified by label.
       */
      by: z.enum(['record', 'chrom']).default('record'),
      holdout: z
        .array(z.string())
        .min(1)
        .optional()
        .describe(
          'Regions held out as the test side (`chr2`, or `chr2:1000-5000` for a gene); implies a region split.',
        ),
    })
    .refine((p) => p.holdout === undefined || p.folds === undefined, {
      message: "'holdout' names the test side itself: give it without 'folds'",
    })
    .refine((p) => (p.folds === undefined) === (p.fold === undefined), {
      message: "give 'folds' and 'fold' together",
    })
    .refine((p) => p.folds === undefined || p.fold! < p.folds, { message: "'fold' must be below 'folds'" }),
  inputs: { in: 'sequence' },
  output: 'sequence',
  async *run(ctx) {
    const { seed, take, fraction } = ctx.params;
    const [folds, fold] = ctx.params.folds === 1 ? [undefined, undefined] : [ctx.params.folds, ctx.params.fold];
    const records: SequenceRecord[] = [];
    for await (const record of ctx.inputs.in!) records.push(record as SequenceRecord);
    ctx.signal.throwIfAborted();

    const { test, note } =
      ctx.params.holdout !== undefined
        ? heldOut(records, ctx.params.holdout)
        : ctx.params.by === 'chrom'
          ? byChromosome(records, seed, fraction, folds, fold)
          : { test: stratified(records, seed, fraction, folds, fold), note: '' };
    const wanted = take === 'test' ? 1 : 0;
    let given = 0;
    for (let i = 0; i < records.length; i++) {
      if (test[i] === wanted) {
        given++;
        yield records[i]!;
      }
    }
    ctx.log.info(`${take} ${given} of ${records.length} records${note}`);
  },
});

/** Per record, 1 when it is on the test side: a seeded, stratified share of each class. */
function stratified(
  records: SequenceRecord[],
  seed: number,
  fraction: number,
  folds: number | undefined,
  fold: number | undefined,
): Uint8Array {
  const test = new Uint8Array(records.length);
  for (const members of byClass(records).values()) {
    const ranked = rank(members, records, seed);
    const n = ranked.length;
    // the test side is one contiguous share of the class's seeded order
    const [from, to] =
      folds === undefined
        ? [0, Math.round(n * fraction)]
        : [Math.floor((fold! * n) / folds), Math.floor(((fold! + 1) * n) / folds)];
    for (let i = from; i < to; i++) test[ranked[i]!] = 1;
  }
  return test;
}

function located(record: SequenceRecord) {
  const at = locus(record);
  if (!at) {
    throw new Error(
      `seq.split: record "${record.id}" has no position: a region split needs chrom/start or a source with chrom/pos`,
    );
  }
  return at;
}

/** The records overlapping the held-out regions are the test side. */
function heldOut(records: SequenceRecord[], holdout: string[]): { test: Uint8Array; note: string } {
  const regions = holdout.map(parseRegion);
  const test = new Uint8Array(records.length);
  records.forEach((record, i) => {
    if (overlaps(regions, located(record))) test[i] = 1;
  });
  return { test, note: ` (held out: ${holdout.join(', ')})` };
}

/**
 * Whole chromosomes in a seeded order: fold `fold` takes every `folds`-th of them; without
 * folds, chromosomes join the test side until it holds `fraction` of the records.
 */
function byChromosome(
  records: SequenceRecord[],
  seed: number,
  fraction: number,
  folds: number | undefined,
  fold: number | undefined,
): { test: Uint8Array; note: string } {
  const chroms = records.map((record) => located(record).chrom);
  const sizes = new Map<string, number>();
  for (const chrom of chroms) sizes.set(chrom, (sizes.get(chrom) ?? 0) + 1);
  const need = folds ?? 2;
  if (sizes.size < need) {
    throw new Error(`seq.split: by: chrom needs at least ${need} chromosomes, the input has ${sizes.size}`);
  }
  const order = [...sizes.keys()].sort((a, b) => hash32(`${seed}\u0000${a}`) - hash32(`${seed}\u0000${b}`));
  const chosen = new Set<string>();
  if (folds !== undefined) {
    order.forEach((chrom, i) => {
      if (i % folds === fold) chosen.add(chrom);
    });
  } else {
    let taken = 0;
    // the last chromosome always stays on the train side
    for (const chrom of order.slice(0, -1)) {
      if (taken >= fraction * records.length) break;
      chosen.add(chrom);
      taken += sizes.get(chrom)!;
    }
  }
  const test = Uint8Array.from(chroms, (chrom) => (chosen.has(chrom) ? 1 : 0));
  return { test, note: ` (test chromosomes: ${[...chosen].join(', ')})` };
}

/** Indices of the records of each label (unlabelled records form one class). */
function byClass(records: SequenceRecord[]): Map<string, number[]> {
  const classes = new Map<string, number[]>();
  records.forEach((record, i) => {
    const label = record.label ?? '';
    let members = classes.get(label);
    if (!members) classes.set(label, (members = []));
    members.push(i);
  });
  return classes;
}

/**
 * Orders a class by a seeded hash of each record's id and sequence (ties by input position),
 * so the same seed and records give the same split whatever order they arrive in.
 */
function rank(members: number[], records: SequenceRecord[], seed: number): number[] {
  const keys = new Map(
    members.map((i) => [i, hash32(`${seed}\u0000${records[i]!.id}\u0000${records[i]!.seq}`)]),
  );
  return [...members].sort((a, b) => keys.get(a)! - keys.get(b)! || a - b);
}

/** FNV-1a with murmur3's final mix, so ids that differ in one character land far apart. */
function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
