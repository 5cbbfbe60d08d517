import { defineStage, type SequenceRecord, z } from '../../src/plugin-api/index.js';

export const windows = defineStage({
  description: 'Tiles each sequence into windows of `size` every `step` bases, with coordinates',
  params: z.strictObject({
    size: z.number().int().positive(),
    step: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Distance between window starts; defaults to `size` (no overlap).'),
    'keep-partial': z
      .boolean()
      .default(false)
      .describe('Also give the last, shorter window that reaches the end of a sequence.'),
    'max-n-fraction': z
      .number()
      .min(0)
      .max(1)
      .default(1)
      .describe('Drop windows whose share of N bases is above this (counted as `too-many-n`).'),
  }),
  inputs: { in: 'sequence' },
  output: 'sequence',
  async *run(ctx) {
    const { size } = ctx.params;
    const step = ctx.params.step ?? size;
    const keepPartial = ctx.params['keep-partial'];
    const maxN = ctx.params['max-n-fraction'];
    for await (const item of ctx.inputs.in!) {
      ctx.signal.throwIfAborted();
      const record = item as SequenceRecord;
      if (record.invalid !== undefined) {
        yield record; // passes through so that every input record reaches the end
        continue;
      }
      const { seq } = record;
      const chrom = record.chrom ?? record.id;
      const offset = record.start ?? 0;
      const counter = new NCounter(seq);
      let dropped = 0;
      for (let start = 0; start < seq.length; start += step) {
        const end = Math.min(start + size, seq.length);
        if (end - start < size && !keepPartial) break;
        if (counter.count(start, end) > maxN * (end - start)) {
          dropped++;
        } else {
          const window: SequenceRecord = {
            id: `${chrom}:${offset + start + 1}-${offset + end}`,
            seq: seq.slice(start, end),
            chrom,
            start: offset + start,
            end: offset + end,
          };
          if (record.label !== undefined) window.label = record.label;
          if (record.source !== undefined) window.source = record.source;
          yield window;
        }
        if (end === seq.length) break;
      }
      if (dropped) ctx.progress.count('too-many-n', dropped);
    }
  },
});

/**
 * N bases in a sliding [start, end) range. Windows move forward, so each call only counts
 * the bases that entered and left since the last one: linear in the sequence length.
 */
class NCounter {
  private start = 0;
  private end = 0;
  private n = 0;

  constructor(private readonly seq: string) {}

  count(start: number, end: number): number {
    if (start >= this.end) {
      this.n = this.countIn(start, end);
    } else {
      this.n += this.countIn(this.end, end) - this.countIn(this.start, start);
    }
    this.start = start;
    this.end = end;
    return this.n;
  }

  private countIn(from: number, to: number): number {
    let n = 0;
    for (let i = from; i < to; i++) {
      const c = this.seq.charCodeAt(i);
      if (c === 78 || c === 110) n++; // N or n
    }
    return n;
  }
}
