import { defineStage, type SequenceRecord, z } from '../../src/plugin-api/index.js';

export const split = defineStage({
  description:
    'Deterministic stratified train/test (or K-fold) split; buffers its whole input, since it must see every label',
  params: z
    .strictObject({
      /** Share of each class that goes to the test side. */
      fraction: z.number().gt(0).lt(1).default(0.2),
      seed: z.number().int().default(1),
      take: z.enum(['train', 'test']),
      /** K-fold instead of `fraction`: fold `fold` (0-based) of `folds` is the test side. */
      folds: z.number().int().min(2).optional(),
      fold: z.number().int().nonnegative().optional(),
    })
    .refine((p) => (p.folds === undefined) === (p.fold === undefined), {
      message: "give 'folds' and 'fold' together",
    })
    .refine((p) => p.folds === undefined || p.fold! < p.folds, { message: "'fold' must be below 'folds'" }),
  inputs: { in: 'sequence' },
  output: 'sequence',
  async *run(ctx) {
    const { seed, take, folds, fold, fraction } = ctx.params;
    const records: SequenceRecord[] = [];
    for await (const record of ctx.inputs.in!) records.push(record as SequenceRecord);
    ctx.signal.throwIfAborted();

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
    const wanted = take === 'test' ? 1 : 0;
    let given = 0;
    for (let i = 0; i < records.length; i++) {
      if (test[i] === wanted) {
        given++;
        yield records[i]!;
      }
    }
    ctx.log.info(`${take} ${given} of ${records.length} records`);
  },
});

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
