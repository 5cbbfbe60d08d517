import { mkdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { type Batch, isBatch } from '../plugin-api/batch.js';
import type {
  Logger,
  ReportSection,
  StageContext,
  StageDefinition,
  StageImplementation,
} from '../plugin-api/types.js';
import type { Channel } from './channel.js';
import { CommandPipeline } from './command-pipeline.js';

/** What the engine hands to one stage attempt. */
export interface StageRunOptions {
  stage: StageDefinition<unknown, unknown>;
  stageName: string;
  params: unknown;
  inputs: Record<string, AsyncIterable<unknown>>;
  /** One channel per consumer (fan-out). Empty for a sink or an unconsumed output. */
  outputs: Channel<unknown>[];
  signal: AbortSignal;
  log: Logger;
  scratchDir: string;
  checkpointDir: string;
  threads: number;
  /** Directory that relative paths in params are resolved against. */
  baseDir: string;
  run: StageContext<unknown>['run'];
  stdin: () => Readable;
  stdout: () => Writable;
  onInputFile?: (path: string) => void;
  onOutputFile?: (path: string) => void;
  onStatus?: (text: string) => void;
  /** Each `ctx.progress.count`, as it happens (a failed stage's counters reach the trace too). */
  onCount?: (name: string, n: number) => void;
  onReport?: (section: ReportSection) => void;
  /** Counted as records go out, for live progress. */
  live?: { recordsOut: number };
  /** For a command stage joined with its neighbours into one OS pipeline: the pipeline and its place in it. */
  pipeline?: PipelineSeat;
}

export interface PipelineSeat {
  pipeline: CommandPipeline;
  index: number;
}

/** Counts that end up in the trace. */
export interface StageStats {
  recordsOut: number;
  /** Stopped early because every consumer stopped reading. */
  truncated: boolean;
  counters: Record<string, number>;
  /** Time spent waiting for room in the consumers' channels (backpressure). */
  outputWaitMs: number;
}

/** Runs one stage to completion, pumping its output into its consumers' channels. */
export async function runStage(options: StageRunOptions): Promise<StageStats> {
  const counters: Record<string, number> = {};
  const ctx: StageContext<unknown> = {
    params: options.params,
    stageName: options.stageName,
    inputs: options.inputs,
    log: options.log,
    progress: {
      status: (text) => options.onStatus?.(text),
      count: (name, n = 1) => {
        counters[name] = (counters[name] ?? 0) + n;
        options.onCount?.(name, n);
      },
    },
    signal: options.signal,
    scratchDir: options.scratchDir,
    threads: options.threads,
    resolvePath: (path) => (isAbsolute(path) ? path : resolve(options.baseDir, path)),
    stdin: options.stdin,
    stdout: options.stdout,
    declareInputFile: (path) => options.onInputFile?.(path),
    declareOutputFile: (path) => options.onOutputFile?.(path),
    // Made when first asked for: most stages keep no checkpoint, and each directory made
    // costs a chain of hundreds of short stages a millisecond.
    get checkpointDir() {
      mkdirSync(options.checkpointDir, { recursive: true });
      return options.checkpointDir;
    },
    report: (section) => options.onReport?.(section),
    run: options.run,
  };
  await mkdir(options.scratchDir, { recursive: true });
  options.signal.throwIfAborted();
  const result = (await implementationOf(options))(ctx);
  let recordsOut = 0;
  let outputWaitMs = 0;
  let truncated = false;
  if (isAsyncIterable(result)) {
    const records = result[Symbol.asyncIterator]();
    const outputs = options.outputs;
    try {
      for (;;) {
        if (outputs.length && outputs.every((o) => o.cancelled)) {
          truncated = true;
          break;
        }
        const next = await records.next();
        if (next.done) break;
        let full: Channel<unknown>[] | undefined;
        const value = next.value;
        if (isBatch(value)) {
          recordsOut += value.count;
          if (options.live) options.live.recordsOut += value.count;
          for (const out of outputs) if (!out.pushBatch(value as Batch<unknown>)) (full ??= []).push(out);
        } else {
          recordsOut++;
          if (options.live) options.live.recordsOut++;
          for (const out of outputs) if (!out.push(value)) (full ??= []).push(out);
        }
        if (full) {
          const waited = performance.now();
          await Promise.all(full.map((o) => o.room()));
          outputWaitMs += performance.now() - waited;
        }
      }
    } finally {
      await records.return?.(undefined);
    }
    // A command cut short inside a pipeline: its reader stopped before the end.
    if (options.stage.command) truncated ||= outputs.length > 0 && outputs.every((o) => o.cancelled);
  } else {
    await result;
  }
  for (const out of options.outputs) out.close();
  return { recordsOut, truncated, counters, outputWaitMs };
}

/**
 * The stage's `run`: its own, the one its `load` imports, or, for a command stage, its seat
 * in a pipeline (a pipeline of one where it streams to no other command stage).
 */
async function implementationOf(options: StageRunOptions): Promise<StageImplementation['run']> {
  const { stage, stageName: name } = options;
  if (stage.run) return stage.run.bind(stage);
  if (stage.command) {
    const { pipeline, index } = options.pipeline ?? { pipeline: new CommandPipeline([name]), index: 0 };
    return (ctx) => pipeline.member(index, ctx, stage.command!(ctx.params), options.outputs);
  }
  const implementation = await stage.load!();
  if (typeof implementation?.run !== 'function')
    throw new Error(`stage ${name}: the module its load() imports does not export a run function`);
  return implementation.run;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value != null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}
