import {
  definePlugin,
  defineStage,
  inputBytes,
  lineBlock,
  readLineChunks,
  writeOutput,
  z,
} from '../../src/plugin-api/index.js';

const read = defineStage({
  description: 'Lines of a text file or stdin (-); gzip and bgzip are detected by their magic bytes',
  params: z.strictObject({ path: z.string() }),
  inputs: {},
  inputFiles: (p) => ({ path: p.path }),
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
    await writeOutput(ctx, ctx.params.path, inputBytes(ctx.inputs.in!));
  },
});

export default definePlugin({
  name: 'text',
  version: '1.0.0',
  description: 'Plain text lines in and out',
  stages: { read, write },
});
