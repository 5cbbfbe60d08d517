import { definePlugin, defineStage, inputBytes, lineBlock, openOutput, readLineChunks, z } from '../../src/plugin-api/index.js';

const read = defineStage({
  description: 'Lines of a text file or stdin (-); gzip and bgzip are detected by their magic bytes',
  params: z.strictObject({ path: z.string() }),
  inputs: {},
  output: 'line',
  async *run(ctx) {
    for await (const chunk of readLineChunks(ctx, ctx.params.path)) yield lineBlock(chunk);
  },
});

const write = defineStage({
  description: 'Writes records as lines to a file (atomically: temp name, then rename) or stdout (-)',
  params: z.strictObject({ path: z.string() }),
  inputs: { in: 'any' },
  output: null,
  async run(ctx) {
    const out = openOutput(ctx, ctx.params.path);
    try {
      for await (const chunk of inputBytes(ctx.inputs.in!)) await out.write(chunk);
      await out.commit();
    } catch (err) {
      await out.discard();
      throw err;
    }
  },
});

export default definePlugin({
  name: 'text',
  version: '1.0.0',
  description: 'Plain text lines in and out',
  stages: { read, write },
});
