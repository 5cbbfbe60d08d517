import { definePlugin, defineStage, inputText, lineBlock, openOutput, readLineText, z } from '../../src/plugin-api/index.js';

const read = defineStage({
  description: 'Lines of a text file or stdin (-); gzip and bgzip are detected by their magic bytes',
  params: z.strictObject({ path: z.string() }),
  inputs: {},
  output: 'line',
  async *run(ctx) {
    for await (const text of readLineText(ctx, ctx.params.path)) yield lineBlock(text);
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
      for await (const text of inputText(ctx.inputs.in!)) await out.write(text);
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
