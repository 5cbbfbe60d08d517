import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectingLogger, runStageForTest, stageError } from '../../src/plugin-api/testing.js';
import plugin from './index.js';

/**
 * Runs `tfjs.train` with `params` on `batches`, aborting it (as Ctrl-C would) at the first
 * log line `killAt` accepts; `resume()` then runs it again on the same checkpoint folder and
 * returns that run's log. The bundle goes to `dir`.
 */
export async function killedTraining(
  params: Record<string, unknown>,
  batches: Iterable<unknown>,
  killAt: (line: string) => boolean,
) {
  const root = await mkdtemp(join(tmpdir(), 'tfjs-killed-'));
  const dir = join(root, 'model');
  const checkpointDir = join(root, 'checkpoint');
  await mkdir(checkpointDir);
  const options = { params: { ...params, out: dir }, inputs: { in: batches }, checkpointDir };
  const abort = new AbortController();
  const first: string[] = [];
  const killed = await stageError(plugin.stages.train, {
    ...options,
    signal: abort.signal,
    log: collectingLogger(first, (line) => {
      if (killAt(line)) abort.abort(new Error('killed'));
    }),
  });
  const resume = async () => {
    const second: string[] = [];
    await runStageForTest(plugin.stages.train, { ...options, log: collectingLogger(second) });
    return second;
  };
  return { dir, checkpointDir, killed, first, resume };
}
