import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { Channel } from '../engine/channel.js';
import { createLogger } from '../engine/logger.js';
import { runStage, type StageRunOptions } from '../engine/stage-runner.js';
import { BATCHES } from './batch.js';
import type { Logger, ReportSection, StageDefinition } from './types.js';

export interface StageTestOptions {
  /** Raw params, validated by the stage's schema as in a workflow. */
  params?: Record<string, unknown>;
  /** Input records by port name. */
  inputs?: Record<string, Iterable<unknown> | AsyncIterable<unknown>>;
  /** Bytes served as the run's stdin. */
  stdin?: Buffer | string | Readable;
  baseDir?: string;
  threads?: number;
  signal?: AbortSignal;
  /** Reuse a checkpoint directory across calls (to test resuming long stages). */
  checkpointDir?: string;
  /** Where the stage's log goes (default: warnings and errors to stderr). */
  log?: Logger;
}

export interface StageTestResult<Out> {
  records: Out[];
  stdout: Buffer;
  counters: Record<string, number>;
  inputFiles: string[];
  outputFiles: string[];
  report: ReportSection[];
}

/**
 * Runs one stage outside a workflow, through the same runner the engine uses, and collects
 * its output: for plugin unit tests.
 */
export async function runStageForTest<P, Out>(
  stage: StageDefinition<P, Out>,
  options: StageTestOptions = {},
): Promise<StageTestResult<Out>> {
  const output = new Channel<unknown>(1024);
  const stdout = new PassThrough();
  const stdoutChunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => stdoutChunks.push(c));
  const inputFiles: string[] = [];
  const outputFiles: string[] = [];
  const report: ReportSection[] = [];
  const collected: Out[] = [];
  const collecting = (async () => {
    for await (const record of output) collected.push(record as Out);
  })();
  collecting.catch(() => {}); // a failed stage's error is the one reported
  const stats = await runStage(
    await runOptions(stage, options, stage.output === null ? [] : [output], {
      stdout: () => stdout,
      onInputFile: (path) => inputFiles.push(path),
      onOutputFile: (path) => outputFiles.push(path),
      onReport: (section) => report.push(section),
    }),
  ).catch((err) => {
    output.fail(err);
    throw err;
  });
  if (stage.output === null) output.close();
  await collecting;
  return {
    records: collected,
    stdout: Buffer.concat(stdoutChunks),
    counters: stats.counters,
    inputFiles,
    outputFiles,
    report,
  };
}

/**
 * Runs a stage and hands its output on as the input of another stage, batches whole, as the
 * engine does (so e.g. FASTA blocks reach the next stage unparsed): for tests of a chain.
 * The stage runs as the result is read; its error ends the reading.
 */
export function stageOutputForTest<P, Out>(
  stage: StageDefinition<P, Out>,
  options: StageTestOptions = {},
): AsyncIterable<Out> {
  const output = new Channel<Out>(64);
  runOptions(stage, options, [output as Channel<unknown>], {})
    .then(runStage)
    .catch((err) => output.fail(err));
  return {
    [BATCHES]: () => output.batches(),
    [Symbol.asyncIterator]: () => output[Symbol.asyncIterator](),
  } as AsyncIterable<Out>;
}

async function runOptions<P, Out>(
  stage: StageDefinition<P, Out>,
  options: StageTestOptions,
  outputs: Channel<unknown>[],
  hooks: Partial<StageRunOptions>,
): Promise<StageRunOptions> {
  const scratch = await mkdtemp(join(tmpdir(), 'genoflow-test-'));
  const inputs = Object.fromEntries(
    Object.entries(options.inputs ?? {}).map(([name, items]) => [name, toAsync(items)]),
  );
  return {
    stage: stage as StageDefinition<unknown, unknown>,
    stageName: 'test',
    params: stage.params.parse(options.params ?? {}),
    inputs,
    outputs,
    signal: options.signal ?? new AbortController().signal,
    log: options.log ?? createLogger('warn', 'test'),
    scratchDir: join(scratch, 'scratch'),
    checkpointDir: options.checkpointDir ?? join(scratch, 'checkpoint'),
    threads: options.threads ?? 2,
    baseDir: options.baseDir ?? process.cwd(),
    run: { id: 'test', command: 'genoflow test', genoflowVersion: 'test' },
    stdin: () =>
      options.stdin instanceof Readable ? options.stdin : Readable.from([Buffer.from(options.stdin ?? '')]),
    stdout: () => new PassThrough().resume(),
    ...hooks,
  };
}

/** An input as the engine gives one; one that hands out whole batches (see `stageOutputForTest`) keeps them. */
function toAsync<T>(items: Iterable<T> | AsyncIterable<T>): AsyncIterable<T> {
  if (BATCHES in items) return items as AsyncIterable<T>;
  return (async function* () {
    yield* items;
  })();
}

/** Runs a stage that is expected to fail and returns its error (fails the test if it succeeds). */
export async function stageError<P, Out>(
  stage: StageDefinition<P, Out>,
  options: StageTestOptions = {},
): Promise<Error> {
  try {
    await runStageForTest(stage, options);
  } catch (err) {
    return err as Error;
  }
  throw new Error('the stage did not fail');
}

/** The message of the error a stage fails with, for the common case of params, inputs and stdin. */
export async function stageFailure<P, Out>(
  stage: StageDefinition<P, Out>,
  params: Record<string, unknown>,
  inputs: Record<string, Iterable<unknown>> = {},
  stdin = '',
): Promise<string> {
  return (await stageError(stage, { params, inputs, stdin })).message;
}

/** A logger that collects info lines (for asserting on what a stage logs), calling `onLine` for each. */
export function collectingLogger(lines: string[], onLine?: (line: string) => void): Logger {
  const info = (line: string) => {
    lines.push(line);
    onLine?.(line);
  };
  return { debug() {}, info, warn() {}, error() {} };
}
