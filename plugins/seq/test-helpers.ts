import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { StageContext, StageDefinition } from '../../src/plugin-api/index.js';

/**
 * The error a stage fails with. Runs `run` on a minimal context rather than through
 * runStageForTest, whose output channel leaves an unhandled rejection behind when a stage
 * fails (it fails the channel its collector is still reading and never awaits it).
 */
export async function stageFailure<P>(
  stage: StageDefinition<P, unknown>,
  params: Record<string, unknown>,
  inputs: Record<string, Iterable<unknown>> = {},
  stdin = '',
): Promise<string> {
  const ctx: StageContext<P> = {
    params: stage.params.parse(params),
    stageName: 'test',
    inputs: Object.fromEntries(Object.entries(inputs).map(([name, items]) => [name, Readable.from(items)])),
    log: { debug() {}, info() {}, warn() {}, error() {} },
    progress: { status() {}, count() {} },
    signal: new AbortController().signal,
    scratchDir: tmpdir(),
    threads: 1,
    resolvePath: (path) => resolve(path),
    stdin: () => Readable.from([Buffer.from(stdin)]),
    stdout: () => new PassThrough(),
    declareInputFile() {},
    declareOutputFile() {},
    checkpointDir: tmpdir(),
  };
  try {
    const result = stage.run(ctx);
    if (Symbol.asyncIterator in result) for await (const _ of result);
    else await result;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the stage did not fail');
}
