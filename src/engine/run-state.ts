import { existsSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { ReportSection } from '../plugin-api/types.js';
import type { Plan, PlannedStage } from '../workflow/plan.js';
import type { StageCache } from './cache.js';
import type { Channel } from './channel.js';
import type { Decision } from './decide.js';
import type { SlurmOptions } from './executors/slurm/options.js';
import type { FingerprintStore } from './fingerprint.js';
import type { createLogger, LogLevel } from './logger.js';
import type { PluginRegistry } from './plugin-loader.js';
import type { ProgressReporter, StageProgress } from './progress.js';
import type { Provenance } from './provenance.js';
import type { PipelineSeat } from './stage-runner.js';
import type { StdinSpool } from './stdin.js';
import type { StageStatus, TraceRow } from './trace.js';

export interface RunOptions {
  plan: Plan;
  registry: PluginRegistry;
  workDir: string;
  /** Relative paths in params resolve against this (the directory genoflow was run from). */
  baseDir: string;
  threads: number;
  /** Cpus the local scheduler hands out to tasks (default: the machine's). */
  cpus?: number;
  /** Bytes of memory it hands out; 0 or unset: not limited. */
  memory?: number;
  /** Where tasks run: `in-process` (the default), `process` or `slurm`. */
  executor?: string;
  /** The `slurm:` options of the profile, for the slurm executor. */
  slurm?: SlurmOptions;
  resume: boolean;
  /** On resume, replay the last run's spooled stdin instead of reading stdin. */
  reuseStdin: boolean;
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable;
  logLevel: LogLevel;
  /** Aborts the run (Ctrl-C, SIGTERM). */
  signal: AbortSignal;
  reporter: ProgressReporter;
  /** Records buffered on each edge before the producer waits. */
  channelCapacity?: number;
  /** How long to wait for another run's lock on the work dir. */
  lockWaitMs?: number;
  /** Decide what would run and stop there. */
  dryRun?: boolean;
  /** How the run was started, kept in run.json and given to stages (`ctx.run`). */
  provenance?: Provenance;
}

export interface RunResult {
  id: string;
  status: 'COMPLETED' | 'FAILED' | 'ABORTED';
  rows: TraceRow[];
  decisions: Map<string, Decision>;
  /** The first error, naming its stage. */
  error?: Error;
  /** What each stage added to the report, by stage name. */
  report: Map<string, ReportSection[]>;
}

/** A stage failed; the message names it and says where its scratch dir is. */
export class StageError extends Error {
  constructor(
    readonly stage: string,
    readonly cause: unknown,
    readonly scratchDir: string,
  ) {
    // An empty scratch dir is removed (attempt.ts): only one holding something is named.
    const kept = existsSync(scratchDir) ? ` (scratch dir kept: ${scratchDir})` : '';
    super(`stage "${stage}" failed: ${cause instanceof Error ? cause.message : String(cause)}${kept}`);
    this.name = 'StageError';
  }
}

/** Where one input port of an attempt reads from. */
export interface AttemptInput {
  /** The upstream stage. */
  stage: string;
  /** `stream`: records as the producer yields them, in this process; `entry`: its committed cache entry. */
  via: 'stream' | 'entry';
  /**
   * The committed entry's key, set once the producer has committed (an executor in
   * another process waits for every entry input before it starts the task).
   */
  entry?: string;
}

/**
 * One try of one stage, as plain data (JSON-serialisable): what a task needs to run the
 * stage in this process or another one.
 */
export interface Attempt {
  run: string;
  workflow: string;
  stage: string;
  uses: string;
  /** 1 for the first try. */
  number: number;
  /** Validated params, as the stage sees them. */
  params: unknown;
  inputs: Record<string, AttemptInput>;
  /** Private to this attempt; kept when it fails. */
  scratchDir: string;
  /** Survives failed attempts and runs; keyed by the stage's workflow, name, version and params. */
  checkpointDir: string;
  threads: number;
  baseDir: string;
  /** Whether the output is written to the cache. */
  stores: boolean;
}

/** The run-wide things every stage's execution shares. */
export interface RunContext {
  id: string;
  options: RunOptions;
  cache: StageCache;
  fingerprints: FingerprintStore;
  decisions: Map<string, Decision>;
  stdin: () => StdinSpool;
  log: ReturnType<typeof createLogger>;
  states: Map<string, StageState>;
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/** The live state of one stage in a run. */
export interface StageState {
  planned: PlannedStage;
  decision: Decision;
  controller: AbortController;
  status?: StageStatus;
  /** The id of its task on the executor (a pid, a job id), once submitted. */
  nativeId?: string;
  /** Why it failed (its own error, not the StageError around it). */
  error?: unknown;
  attempt: number;
  start?: number;
  end?: number;
  recordsIn: () => number;
  /** Time this stage spent waiting for its inputs or for room in its consumers' channels. */
  waitMs: () => number;
  recordsOut: number;
  bytesOut: number;
  peakRss: number;
  /** `ctx.progress.count` counters of the current attempt. */
  counters: Record<string, number>;
  inputFiles: Set<string>;
  outputFiles: Set<string>;
  report: ReportSection[];
  /** Resolves with the full key once the stage completed (or was found cached). */
  key: Deferred<string>;
  /** Resolves once the stored output is committed (stages reading it through the cache wait on it). */
  committed: Deferred<void>;
  /** Resolves once the stage has settled, whatever its outcome. */
  settled: Deferred<void>;
  /** Output channels to streaming consumers, by edge. */
  outputs: Map<string, Channel<unknown>>;
  /** A command stage's place in the OS pipeline it runs in with its neighbours. */
  pipeline?: PipelineSeat;
  progress: StageProgress;
}

/** Names the edge into a consumer's port (one stage may read another on two ports). */
export const edge = (consumer: string, port: string) => `${consumer}\0${port}`;

export const asError = (reason: unknown) => (reason instanceof Error ? reason : new Error(String(reason)));
