import { definePlugin, defineStage, z } from '../../src/plugin-api/index.js';

const run = defineStage({
  description:
    "Runs a command (Nextflow's process): upstream records as lines on its stdin, its stdout lines out",
  params: z.strictObject({
    /**
     * An argv list (each item one argument, params substituted as plain text), or a string
     * run by `sh -c` (each embedded param reaches it as $GENOFLOW_PARAM_name, never as code).
     */
    command: z.union([z.string().min(1), z.array(z.string()).min(1)]),
    env: z
      .record(
        z.string().regex(/^[A-Za-z_]\w*$/, 'an environment variable name (letters, digits, _)'),
        z.string(),
      )
      .default({})
      .describe('Extra environment variables (and the GENOFLOW_PARAM_ ones the command refers to).'),
    'stderr-lines': z
      .number()
      .int()
      .min(0)
      .default(20)
      .describe("Lines of the command's stderr quoted when it fails."),
  }),
  shell: { commands: ['command'], env: 'env' },
  inputs: { in: 'any?' },
  output: 'line',
  // The engine runs it: shell stages that stream into each other become one OS pipeline.
  command: ({ command, env, 'stderr-lines': stderrLines }) =>
    typeof command === 'string'
      ? { file: 'sh', args: ['-c', command], env, stderrLines, display: command }
      : { file: command[0]!, args: command.slice(1), env, stderrLines, display: command.join(' ') },
});

export default definePlugin({
  name: 'shell',
  version: '1.0.0',
  description: 'Runs external commands as stages',
  stages: { run },
});
