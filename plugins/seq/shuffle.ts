import { defineStage, seededRandom, z } from '../../src/plugin-api/index.js';

export const shuffle = defineStage({
  description: 'Seeded random order of all records (buffers its whole input)',
  params: z.strictObject({ seed: z.number().int().default(1) }),
  inputs: { in: 'sequence' },
  output: 'sequence',
  async *run(ctx) {
    const records: unknown[] = [];
    for await (const record of ctx.inputs.in!) records.push(record);
    ctx.signal.throwIfAborted();
    const next = seededRandom(ctx.params.seed);
    for (let i = records.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [records[i], records[j]] = [records[j], records[i]];
    }
    yield* records;
  },
});
