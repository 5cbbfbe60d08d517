import type { Readable, Writable } from 'node:stream';
import type { z } from 'zod';
import type { Batch } from './batch.js';

/**
 * The name of the kind of record that flows on an edge: `line`, `record`, `vcf-record`,
 * `sequence`, `token-batch`, `prediction`, `model`, `file`, ... `any` on an input accepts
 * every type. Plugins may introduce new names freely.
 */
export type PortType = string;

/**
 * An input port accepts one type or any of several. A type ending in `?` marks the port
 * optional: the workflow may leave it unconnected, and `ctx.inputs` then lacks it.
 */
export type InputPort = PortType | readonly PortType[];

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Live progress of a stage, shown on stderr. Records in/out are counted by the engine. */
export interface Progress {
  /** A short status text, e.g. `epoch 3/10 loss 0.41`. */
  status(text: string): void;
  /** Adds to a named counter that ends up in the trace (e.g. `rejected`). */
  count(name: string, n?: number): void;
}

/**
 * Serialises the records of one port type to bytes for the stage cache. Encoders and
 * decoders are created per stream, so they may keep state (e.g. write a shared header once).
 */
export interface PortCodec<T = unknown> {
  createEncoder(context: CodecContext): (record: T) => Uint8Array;
  createDecoder(context: CodecContext): (bytes: Uint8Array) => T;
  /**
   * Whether a value is a record of this codec's port type (e.g. `instanceof VcfRecord`), so
   * that a record carried inside another one (`sequence.source`) is stored by this codec.
   */
  accepts?(value: unknown): boolean;
}

/**
 * What the engine hands a codec: per-stream codecs for values a record carries (a
 * `source`). Each carried value is stored by the codec of its own port type, the first
 * whose `accepts` claims it (structured clone if none does), so a carried VCF record keeps
 * its class and its header is written once per stream.
 */
export interface CodecContext {
  carriedEncoder(): (value: unknown) => Uint8Array;
  carriedDecoder(): (bytes: Uint8Array) => unknown;
}

/** A chart or table a stage adds to the run's HTML report (`genoflow run --report FILE`). */
export interface ReportSection {
  title: string;
  /** A Vega-Lite spec with its data inline; rendered offline in the report. */
  vegaLite?: Record<string, unknown>;
  /** A table of values. */
  table?: { columns: string[]; rows: (string | number | null)[][] };
}

export interface StageContext<P = unknown> {
  /** The stage's params, validated and defaulted by its schema. */
  readonly params: P;
  /** The name of this stage in the workflow. */
  readonly stageName: string;
  /** Named input streams (`in` when the workflow gives `from: other`). Each may be read once. */
  readonly inputs: Readonly<Record<string, AsyncIterable<unknown>>>;
  readonly log: Logger;
  readonly progress: Progress;
  /** Aborted when the run fails elsewhere, or on Ctrl-C; stop work and release resources. */
  readonly signal: AbortSignal;
  /** A directory private to this stage and attempt, created before `run` is called. */
  readonly scratchDir: string;
  /** How many threads the stage may use (from `--threads`). */
  readonly threads: number;
  /** Resolves a path written in the workflow (relative to the directory it was run from). */
  resolvePath(path: string): string;
  /**
   * The run's standard input as bytes. Only one stage of a run may read it; the engine
   * spools it so that a resumed run can replay it.
   */
  stdin(): Readable;
  /** The run's standard output. Only one stage of a run may write to it. */
  stdout(): Writable;
  /**
   * Declares a file the stage reads, so its content fingerprint enters the cache key.
   * Call it for every input file the stage opens (index files too).
   */
  declareInputFile(path: string): void;
  /**
   * Declares a file or directory the stage writes outside its output stream (a model
   * bundle, a report). A cached stage whose declared outputs have gone or changed re-runs.
   */
  declareOutputFile(path: string): void;
  /**
   * A directory that survives a failed or killed attempt and is keyed by the stage's cache
   * key: long stages (training) checkpoint here and pick up on `--resume`. Removed once the
   * stage completes.
   */
  readonly checkpointDir: string;
  /** Adds a chart or table to the run's report; kept with the cache entry, so a cached stage still shows it. */
  report(section: ReportSection): void;
  /**
   * The run this stage is part of, for outputs that record how they were made (a VCF's
   * `##genoflowCommand=`). Not part of the cache key: the same inputs give the same records.
   */
  readonly run: { readonly id: string; readonly command: string; readonly genoflowVersion: string };
}

export interface StageDefinition<P = unknown, Out = unknown> {
  /** One line saying what the stage does (shown by `genoflow plugins`). */
  description: string;
  /** Param schema; unknown keys are rejected, defaults applied. */
  params: z.ZodType<P>;
  /** Named inputs and the port types they take. `{}` for a source. */
  inputs: Readonly<Record<string, InputPort>>;
  /** The port type the stage gives, or `null` for a sink. */
  output: PortType | null;
  /**
   * Whether the stage's output is worth storing in the cache (slow to compute, e.g.
   * training). Cheap transforms stream without being stored.
   */
  expensive?: boolean;
  /**
   * How many output records may wait for each consumer before this stage is paused
   * (default 1024). Stages whose records are big batches (token batches of hundreds of
   * rows) set a small number, so memory stays bounded in rows, not only in records.
   */
  outputBuffer?: number;
  /**
   * Params holding an `sh -c` command, and the param (a map of strings) that becomes its
   * environment. Each `${params.x}` in such a command is replaced by a reference to the
   * variable GENOFLOW_PARAM_x, quoted for where it stands, and the value is put in `env`:
   * the shell expands it as data and never reads it as code.
   */
  shell?: { commands: readonly string[]; env: string };
  /**
   * The files `run` will read, by the param that names each (`-`, stdin, is left out):
   * `validate`, `--dry-run` and `run` check beforehand that each is a readable file.
   */
  inputFiles?(params: P): Readonly<Record<string, string | readonly string[] | undefined>>;
  /**
   * Does the work: reads `ctx.inputs`, and either returns an async iterable of output
   * records (a generator, which may also yield `batch(records)`) or, for a sink, a promise
   * that settles when done. Give one of `run`, `load` or `command`.
   */
  run?(ctx: StageContext<P>): AsyncIterable<Out | Batch<Out>> | Promise<void>;
  /**
   * For a stage that is one external command, in place of `run`: its input goes to the
   * command's stdin as lines, its stdout lines are the output. The engine runs it, and joins
   * such stages that stream to each other inside a task into one OS pipeline, so that their
   * bytes pass from process to process and never through genoflow.
   */
  command?(params: P): CommandLine;
  /**
   * Imports the module that exports the stage's `run`, when the stage first runs:
   * `load: () => import('./train-run.js')`. The declaration (params, ports) then loads
   * without the implementation's dependencies, so `validate`, `dag` and `plugins` never
   * import them (TensorFlow.js, worker pools, wasm kernels).
   */
  load?: () => Promise<StageImplementation<P, Out>>;
}

/** The command of a `command` stage. */
export interface CommandLine {
  /** The program, found on PATH. */
  file: string;
  args: readonly string[];
  /** Added to the environment genoflow runs in. */
  env: Readonly<Record<string, string>>;
  /** Lines of its stderr quoted when it fails. */
  stderrLines: number;
  /** How errors name it (the command as the user wrote it). */
  display: string;
}

/** What a stage's implementation module (its `load`) exports. */
export interface StageImplementation<P = unknown, Out = unknown> {
  run(ctx: StageContext<P>): AsyncIterable<Out | Batch<Out>> | Promise<void>;
}

export interface PluginDefinition {
  /** The plugin's name: stages are used as `name.stage`. */
  name: string;
  /** Semantic version; enters every cache key of the plugin's stages. */
  version: string;
  description?: string;
  // biome-ignore lint/suspicious/noExplicitAny: one map holds stages of every param and record type
  stages: Readonly<Record<string, StageDefinition<any, any>>>;
  /** Codecs for the port types this plugin introduces, used to store them in the cache. */
  // biome-ignore lint/suspicious/noExplicitAny: one map holds codecs of every record type
  codecs?: Readonly<Record<PortType, PortCodec<any>>>;
  /**
   * `genoflow export PATH`: writes portable forms of something this plugin made at PATH
   * (tfjs: a model bundle's model.onnx) and returns the files written, or null when PATH is
   * not one of its own.
   */
  export?(path: string, log: Logger): Promise<string[] | null>;
}
