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
    checkpointDir: options.checkpointDir,
    report: (section) => options.onReport?.(section),
    run: options.run,
  };
  await mkdir(options.scratchDir, { recursive: true });
  await mkdir(options.checkpointDir, { recursive: true });
  options.signal.throwIfAborted();
  const result = (await implementationOf(options.stage, options.stageName))(ctx);
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
  } else {
    await result;
  }
  for (const out of options.outputs) out.close();
  return { recordsOut, truncated, counters, outputWaitMs };
}

/** The stage's `run`, importing its implementation module first where it gives `load`. */
async function implementationOf(
  stage: StageDefinition<unknown, unknown>,
  name: string,
): Promise<StageImplementation['run']> {
  if (stage.run) return stage.run.bind(stage);
  const implementation = await stage.load!();
  if (typeof implementation?.run !== 'function')
    throw new Error(`stage ${name}: the module its load() imports does not export a run function`);
  return implementation.run;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value != null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}
