import { defineStage, z } from '../../src/plugin-api/index.js';

export const shuffle = defineStage({
  description: 'Seeded random order of all records (buffers its whole input)',
  params: z.strictObject({ seed: z.number().int().default(1) }),
  inputs: { in: 'sequence' },
  output: 'sequence',
  async *run(ctx) {
    const records: unknown[] = [];
    for await (const record of ctx.inputs.in!) records.push(record);
    ctx.signal.throwIfAborted();
    const next = mulberry32(ctx.params.seed);
    for (let i = records.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [records[i], records[j]] = [records[j], records[i]];
    }
    yield* records;
  },
});

/** A small seeded PRNG: the same seed gives the same order on every machine. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
