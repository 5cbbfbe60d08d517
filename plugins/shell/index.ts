import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  definePlugin,
  defineStage,
  inputBytes,
  lineBatches,
  lineBlock,
  lineChunks,
  z,
} from '../../src/plugin-api/index.js';

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
      .record(z.string(), z.string())
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
  async *run(ctx) {
    const { command, env } = ctx.params;
    const [file, args] =
      typeof command === 'string' ? ['sh', ['-c', command]] : [command[0]!, command.slice(1)];
    // Own process group, so the whole pipeline a command starts can be ended with it.
    const child = spawn(file, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, ...env },
    });
    const spawned = Promise.race([
      once(child, 'spawn'),
      once(child, 'error').then(([err]) => Promise.reject(err)),
    ]);
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('close', (code, signal) => resolve([code, signal])),
    );
    let running = true;
    exited.then(() => {
      running = false;
    });
    const killGroup = () => {
      if (!running || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    ctx.signal.addEventListener('abort', killGroup, { once: true });
    const stderrTail: string[] = [];
    const keep = ctx.params['stderr-lines'];
    const collectingStderr = (async () => {
      for await (const batch of lineBatches(child.stderr)) {
        stderrTail.push(...batch);
        if (stderrTail.length > keep) stderrTail.splice(0, stderrTail.length - keep);
      }
    })();
    const feeding = (async () => {
      child.stdin.on('error', () => {}); // a command that stops reading is not an error by itself
      const input = ctx.inputs.in;
      if (input) {
        for await (const chunk of inputBytes(input)) {
          // A closed stdin (EPIPE) ends the feeding; the command's exit status tells the rest.
          if (!child.stdin.write(chunk) && running) await once(child.stdin, 'drain').catch(() => {});
          if (!running || child.stdin.destroyed) break;
        }
      }
      child.stdin.end();
    })();
    feeding.catch(killGroup);
    try {
      await spawned;
      for await (const chunk of lineChunks(child.stdout)) yield lineBlock(chunk);
      await feeding;
      const [code, signal] = await exited;
      await collectingStderr;
      if (code !== 0) {
        const why = signal ? `was killed by ${signal}` : `exited with status ${code}`;
        const tail = stderrTail.length ? `; its stderr ended with:\n  ${stderrTail.join('\n  ')}` : '';
        throw new Error(`command ${typeof command === 'string' ? command : command.join(' ')} ${why}${tail}`);
      }
    } finally {
      killGroup();
      ctx.signal.removeEventListener('abort', killGroup);
    }
  },
});

export default definePlugin({
  name: 'shell',
  version: '1.0.0',
  description: 'Runs external commands as stages',
  stages: { run },
});
