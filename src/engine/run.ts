import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { BATCHES, type Batch, batch, lineBlock } from '../plugin-api/batch.js';
import type { ReportSection } from '../plugin-api/types.js';
import type { Plan, PlannedStage } from '../workflow/plan.js';
import {
  type EntryWriter,
  type FileFingerprint,
  FRAME_LINES,
  fullKeyOf,
  type KeyRecord,
  StageCache,
  stableJson,
  staticKeyOf,
} from './cache.js';
import { Channel } from './channel.js';
import { codecOf, type StreamCodec } from './codec.js';
import { type Decision, decide, keyParts, keyPath } from './decide.js';
import { FingerprintStore } from './fingerprint.js';
import { createLogger, type LogLevel } from './logger.js';
import type { PluginRegistry } from './plugin-loader.js';
import type { ProgressReporter, StageProgress } from './progress.js';
import { runStage } from './stage-runner.js';
import { STDIN_PATH, StdinSpool } from './stdin.js';
import { type StageStatus, type TraceRow, writeTrace } from './trace.js';
import { ensureWorkDir, lockWorkDir, newRunId, type RunRecord, runDir, saveRun } from './workdir.js';

export interface RunOptions {
  plan: Plan;
  registry: PluginRegistry;
  workDir: string;
  /** Relative paths in params resolve against this (the directory genoflow was run from). */
  baseDir: string;
  threads: number;
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
    super(
      `stage "${stage}" failed: ${cause instanceof Error ? cause.message : String(cause)} (scratch dir kept: ${scratchDir})`,
    );
    this.name = 'StageError';
  }
}

interface StageState {
  planned: PlannedStage;
  decision: Decision;
  controller: AbortController;
  status?: StageStatus;
  attempt: number;
  start?: number;
  end?: number;
  recordsIn: () => number;
  recordsOut: number;
  bytesOut: number;
  peakRss: number;
  inputFiles: Set<string>;
  outputFiles: Set<string>;
  report: ReportSection[];
  /** Resolves with the full key once the stage completed (or was found cached). */
  key: Promise<string>;
  resolveKey: (key: string) => void;
  rejectKey: (err: unknown) => void;
  /** Resolves once the stored output is committed (stages feeding a retrying stage wait on it). */
  committed: Promise<void>;
  resolveCommitted: () => void;
  rejectCommitted: (err: unknown) => void;
  /** Resolves once the stage has settled, whatever its outcome. */
  settled: Promise<void>;
  resolveSettled: () => void;
  /** Output channels to streaming consumers, by edge. */
  outputs: Map<string, Channel<unknown>>;
  progress: StageProgress;
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/** Runs a planned workflow: every stage at once, streaming through bounded channels. */
export async function runWorkflow(options: RunOptions): Promise<RunResult> {
  const { plan, workDir } = options;
  await ensureWorkDir(workDir);
  const id = newRunId();
  const unlock = await lockWorkDir(workDir, options.lockWaitMs ?? 0, {
    run: id,
    workflow: plan.workflow.spec.name,
  });
  const started = Date.now();
  const record: RunRecord = {
    id,
    workflow: plan.workflow.spec.name,
    workflowFile: plan.workflow.path,
    start: new Date(started).toISOString(),
    durationMs: 0,
    status: 'RUNNING',
    counts: { cached: 0, run: 0, failed: 0, aborted: 0 },
    keys: [],
  };
  try {
    if (!options.dryRun) await saveRun(workDir, record);
    const log = createLogger(options.logLevel);
    const cache = new StageCache(workDir);
    const fingerprints = await FingerprintStore.open(join(workDir, 'fingerprints.json'));

    const stdin = await prepareStdin(options, id);
    const decisions = await decide({
      plan,
      cache,
      fingerprints,
      baseDir: options.baseDir,
      resume: options.resume,
      stdinHash: stdin.knownHash,
      dryRun: options.dryRun,
      log,
    });
    if (options.dryRun) return { id, status: 'COMPLETED', rows: [], decisions, report: new Map() };
    const result = await execute(options, { id, cache, fingerprints, decisions, stdin: stdin.spool, log });
    // A failed run keeps all of the stdin it began to read, for `--resume --reuse-stdin`.
    if (result.status === 'FAILED') await stdin.spool().finish();
    await fingerprints.save();
    record.durationMs = Date.now() - started;
    record.status = result.status;
    for (const row of result.rows) {
      if (row.status === 'CACHED') record.counts.cached++;
      else if (row.status === 'COMPLETED') record.counts.run++;
      else if (row.status === 'FAILED') record.counts.failed++;
      else record.counts.aborted++;
      if (row.cache_key) record.keys.push(row.cache_key);
    }
    if (result.error) record.error = result.error.message;
    await writeTrace(join(runDir(workDir, id), 'trace.tsv'), result.rows);
    await saveRun(workDir, record);
    return { id, ...result, decisions };
  } finally {
    await unlock();
  }
}

/**
 * Decides where stdin comes from. On a plain run it is spooled while it streams. On
 * `--resume` it must be compared with the last run's by hash before anything is decided,
 * so it is read in full first; an empty or absent stdin (or `--reuse-stdin`) replays the
 * last spool.
 */
async function prepareStdin(
  options: RunOptions,
  id: string,
): Promise<{ spool: () => StdinSpool; knownHash?: string }> {
  if (!options.resume) {
    let live: StdinSpool | undefined;
    return { spool: () => (live ??= StdinSpool.live(options.workDir, id, options.stdin)) };
  }
  const last = await StdinSpool.last(options.workDir);
  const readsStdin = options.plan.stages.some((s) => JSON.stringify(s.rawParams).includes('"-"'));
  if (options.reuseStdin || options.stdin.isTTY || !readsStdin) {
    if (options.reuseStdin && !last)
      throw new Error('--reuse-stdin: no earlier run of this work dir read stdin');
    const spool = last ?? StdinSpool.live(options.workDir, id, options.stdin);
    return { spool: () => spool, knownHash: last ? await last.hash : undefined };
  }
  const { spool, bytes } = await StdinSpool.full(options.workDir, id, options.stdin);
  const chosen = bytes === 0 && last ? last : spool;
  return { spool: () => chosen, knownHash: await chosen.hash };
}

interface ExecuteContext {
  id: string;
  cache: StageCache;
  fingerprints: FingerprintStore;
  decisions: Map<string, Decision>;
  stdin: () => StdinSpool;
  log: ReturnType<typeof createLogger>;
}

async function execute(
  options: RunOptions,
  run: ExecuteContext,
): Promise<Omit<RunResult, 'id' | 'decisions'>> {
  const { plan } = options;
  const capacity = options.channelCapacity ?? 1024;
  const states = new Map<string, StageState>();
  for (const planned of plan.stages) {
    const key = deferred<string>();
    const committed = deferred<void>();
    const settled = deferred<void>();
    const decision = run.decisions.get(planned.name)!;
    const state: StageState = {
      planned,
      decision,
      controller: new AbortController(),
      attempt: 0,
      recordsIn: () => 0,
      recordsOut: 0,
      bytesOut: 0,
      peakRss: 0,
      inputFiles: new Set(),
      outputFiles: new Set(),
      report: decision.report ?? [],
      key: key.promise,
      resolveKey: key.resolve,
      rejectKey: key.reject,
      committed: committed.promise,
      resolveCommitted: committed.resolve,
      rejectCommitted: committed.reject,
      settled: settled.promise,
      resolveSettled: () => settled.resolve(),
      outputs: new Map(),
      progress: {
        name: planned.name,
        // A sink shows what it has taken in.
        records: () => (planned.stage.output === null ? state.recordsIn() : state.recordsOut),
        status: '',
        started: Date.now(),
        done: false,
      },
    };
    if (decision.action === 'cached') {
      state.status = 'CACHED';
      state.resolveKey(decision.key!);
      state.resolveCommitted();
    }
    states.set(planned.name, state);
  }
  const running = [...states.values()].filter((s) => s.decision.action === 'run');
  // Streaming edges: both ends run and neither retries (a retrying stage reads and is read
  // through committed entries, so a retry never re-sends records downstream).
  const streams = (producer: StageState, consumer: StageState) =>
    producer.decision.action === 'run' && producer.planned.retries === 0 && consumer.planned.retries === 0;
  for (const consumer of running) {
    for (const [port, upstream] of Object.entries(consumer.planned.inputs)) {
      const producer = states.get(upstream)!;
      if (!streams(producer, consumer)) continue;
      const bound = producer.planned.stage.outputBuffer ?? capacity;
      producer.outputs.set(edge(consumer.planned.name, port), new Channel(bound));
    }
  }

  const onAbort = () => abortStages([...states.values()], options.signal.reason);
  options.signal.addEventListener('abort', onAbort, { once: true });
  let firstError: Error | undefined;
  /** Cancels stages: their reads throw, their consumers see the error, their producers go on. */
  const abortStages = (victims: StageState[], reason: unknown) => {
    for (const s of victims) {
      if (s.decision.action !== 'run' || s.controller.signal.aborted) continue;
      s.controller.abort(reason);
      for (const channel of s.outputs.values()) channel.fail(reason);
      for (const [port, upstream] of Object.entries(s.planned.inputs)) {
        states.get(upstream)!.outputs.get(edge(s.planned.name, port))?.detach(reason);
      }
    }
  };
  const downstreamOf = (s: StageState, found = new Set<StageState>()): Set<StageState> => {
    for (const c of s.planned.consumers) {
      const consumer = states.get(c.stage)!;
      if (!found.has(consumer)) downstreamOf(consumer, found.add(consumer));
    }
    return found;
  };
  const upstreamOf = (s: StageState, found = new Set<StageState>()): Set<StageState> => {
    for (const name of Object.values(s.planned.inputs)) {
      const producer = states.get(name)!;
      if (!found.has(producer)) upstreamOf(producer, found.add(producer));
    }
    return found;
  };
  /**
   * After a failure: everything stops, except the stored stages upstream of the failed
   * one (and what feeds them), which finish and commit, so `--resume` starts from them.
   */
  const afterFailure = (failed: StageState, error: Error) => {
    if (failed.planned.onError === 'finish') return abortStages([...downstreamOf(failed)], error);
    const keep = new Set<StageState>();
    for (const up of upstreamOf(failed)) {
      if (up.planned.store) for (const s of [up, ...upstreamOf(up)]) keep.add(s);
    }
    abortStages(
      [...states.values()].filter((s) => s !== failed && !keep.has(s)),
      error,
    );
    for (const [port, upstream] of Object.entries(failed.planned.inputs)) {
      states.get(upstream)!.outputs.get(edge(failed.planned.name, port))?.detach(error);
    }
  };

  const sampler = setInterval(() => {
    const rss = process.memoryUsage.rss();
    for (const s of running) if (s.start && !s.end && rss > s.peakRss) s.peakRss = rss;
  }, 100);
  sampler.unref();

  await Promise.all(
    running.map(async (state) => {
      options.reporter.track(state.progress);
      try {
        await executeStage(state, states, options, run);
        state.status = 'COMPLETED';
      } catch (err) {
        const aborted = state.controller.signal.aborted;
        state.status = aborted ? 'ABORTED' : 'FAILED';
        state.rejectKey(err);
        state.rejectCommitted(err);
        if (!aborted) {
          const error =
            err instanceof StageError
              ? err
              : new StageError(state.planned.name, err, scratchDir(options, run, state));
          firstError ??= error;
          run.log.error(error.message);
          afterFailure(state, error);
        }
        for (const channel of state.outputs.values()) channel.fail(err);
      } finally {
        state.end = Date.now();
        state.progress.done = true;
        state.resolveSettled();
      }
    }),
  );
  clearInterval(sampler);
  options.signal.removeEventListener('abort', onAbort);
  options.reporter.stop();

  const rows: TraceRow[] = [];
  for (const state of states.values()) {
    const key = state.status === 'CACHED' || state.status === 'COMPLETED' ? await state.key : '';
    rows.push({
      stage: state.planned.name,
      uses: state.planned.uses,
      status: state.status ?? 'ABORTED',
      attempt: state.attempt,
      start: state.start ? new Date(state.start).toISOString() : '',
      duration_ms: state.start ? (state.end ?? Date.now()) - state.start : 0,
      records_in: state.recordsIn(),
      records_out: state.recordsOut,
      bytes_out: state.bytesOut,
      peak_rss_mb: Math.round(state.peakRss / 1048576),
      cache_key: key,
    });
  }
  const status = options.signal.aborted ? 'ABORTED' : firstError ? 'FAILED' : 'COMPLETED';
  const report = new Map([...states.values()].map((s) => [s.planned.name, s.report]));
  return {
    status,
    rows,
    report,
    error: firstError ?? (options.signal.aborted ? asError(options.signal.reason) : undefined),
  };
}

/** Names the edge into a consumer's port (one stage may read another on two ports). */
const edge = (consumer: string, port: string) => `${consumer}\0${port}`;

const asError = (reason: unknown) => (reason instanceof Error ? reason : new Error(String(reason)));

const scratchDir = (options: RunOptions, run: ExecuteContext, state: StageState) =>
  join(runDir(options.workDir, run.id), 'scratch', state.planned.name, String(Math.max(1, state.attempt)));

/** The batches of a committed entry, decoded. */
async function* replayBatches(
  cache: StageCache,
  key: string,
  codec: StreamCodec,
): AsyncGenerator<Batch<unknown>> {
  const decode = codec.createDecoder();
  let pending: unknown[] = [];
  for await (const frame of cache.replay(key)) {
    if (frame.kind === FRAME_LINES) {
      if (pending.length) yield batch(pending);
      pending = [];
      yield lineBlock(Buffer.from(frame.payload));
      continue;
    }
    pending.push(decode(frame.payload));
    if (pending.length >= 512) {
      yield batch(pending);
      pending = [];
    }
  }
  if (pending.length) yield batch(pending);
}

/** An input stream that counts what flows through it and hands out whole batches. */
function countedInput(
  source: () => AsyncIterable<Batch<unknown>>,
  counter: { n: number },
): AsyncIterable<unknown> {
  const batches = async function* () {
    for await (const entry of source()) {
      counter.n += entry.count;
      yield entry;
    }
  };
  return {
    [BATCHES]: batches,
    async *[Symbol.asyncIterator]() {
      for await (const entry of batches()) yield* entry.records;
    },
  } as AsyncIterable<unknown>;
}

async function executeStage(
  state: StageState,
  states: Map<string, StageState>,
  options: RunOptions,
  run: ExecuteContext,
): Promise<void> {
  const { planned } = state;
  const signal = AbortSignal.any([state.controller.signal, options.signal]);
  const maxAttempts = planned.retries + 1;
  const stores = planned.store || (planned.retries > 0 && planned.consumers.length > 0);
  const checkpointDir = join(
    options.workDir,
    'checkpoints',
    createHash('sha256')
      .update(
        stableJson([
          options.plan.workflow.spec.name,
          planned.name,
          planned.uses,
          planned.pluginVersion,
          planned.rawParams,
        ]),
      )
      .digest('hex'),
  );
  for (;;) {
    state.attempt++;
    state.start ??= Date.now();
    state.inputFiles.clear();
    state.outputFiles.clear();
    state.report = [];
    state.recordsOut = 0;
    const counters: { n: number }[] = [];
    const inputs: Record<string, AsyncIterable<unknown>> = {};
    for (const [port, upstream] of Object.entries(planned.inputs)) {
      const producer = states.get(upstream)!;
      const counter = { n: 0 };
      counters.push(counter);
      const channel = producer.outputs.get(edge(planned.name, port));
      if (channel && state.attempt === 1) {
        inputs[port] = countedInput(() => channel.batches(), counter);
      } else {
        const codec = codecOf(options.registry, producer.planned.stage.output);
        inputs[port] = countedInput(async function* () {
          await producer.committed;
          yield* replayBatches(run.cache, await producer.key, codec);
        }, counter);
      }
    }
    state.recordsIn = () => counters.reduce((sum, c) => sum + c.n, 0);
    const outputs = [...state.outputs.values()];
    let writer: EntryWriter | undefined;
    let storing: Promise<void> | undefined;
    let storeError: unknown;
    if (stores) {
      writer = await run.cache.createWriter(planned.name, planned.uses);
      const tap = new Channel<unknown>(256);
      outputs.push(tap);
      const encode = codecOf(options.registry, planned.stage.output).createEncoder();
      const entry = writer;
      storing = (async () => {
        for await (const records of tap.batches()) {
          if (records.bytes !== undefined) entry.addBlock(records.bytes, records.count);
          else for (const record of records.records) entry.add(encode(record));
          // A failed write (a full disk) stops the stage now, and is why it failed.
          await entry.flushIfFull().catch((err) => {
            storeError = err;
            state.controller.abort(err);
            throw err;
          });
        }
      })();
      storing.catch(() => {}); // awaited below; a failed write has aborted the stage already
    }
    const scratch = scratchDir(options, run, state);
    try {
      const stats = await runStage({
        stage: planned.stage,
        stageName: planned.name,
        params: planned.params,
        inputs,
        outputs,
        signal,
        log: createLogger(options.logLevel, planned.name),
        scratchDir: scratch,
        checkpointDir,
        threads: options.threads,
        baseDir: options.baseDir,
        stdin: () => {
          state.inputFiles.add(STDIN_PATH);
          return run.stdin().open();
        },
        stdout: () => options.stdout,
        onInputFile: (path) => state.inputFiles.add(path),
        onOutputFile: (path) => state.outputFiles.add(path),
        onStatus: (text) => {
          state.progress.status = text;
        },
        onReport: (section) => state.report.push(section),
        live: state,
      });
      state.recordsOut = stats.recordsOut;
      await storing;
      if (stats.truncated) {
        // Every consumer stopped reading: the output is not whole, so it is neither
        // stored nor remembered. If they stopped because they failed, so did this stage.
        await writer?.discard();
        await complete(state, states, options, run, undefined, false);
        for (const c of planned.consumers) await states.get(c.stage)!.settled;
        const failed = planned.consumers.find((c) => states.get(c.stage)!.status !== 'COMPLETED');
        if (failed || signal.aborted) {
          state.controller.abort(new Error(`consumer ${failed?.stage ?? ''} stopped`));
          throw signal.reason;
        }
      } else {
        await complete(state, states, options, run, writer, true);
      }
      await rm(scratch, { recursive: true, force: true });
      await rm(checkpointDir, { recursive: true, force: true });
      return;
    } catch (caught) {
      const err = storeError ?? caught;
      for (const o of outputs) o.fail(err);
      await storing?.catch(() => {});
      await writer?.discard();
      if (state.attempt >= maxAttempts || signal.aborted) throw new StageError(planned.name, err, scratch);
      const delay = 200 * 2 ** (state.attempt - 1);
      run.log.warn(
        `[${planned.name}] attempt ${state.attempt} failed: ${(err as Error).message}; retrying in ${delay} ms (scratch dir kept: ${scratch})`,
      );
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** Fingerprints what the stage read and wrote, records its key and commits its output. */
async function complete(
  state: StageState,
  states: Map<string, StageState>,
  options: RunOptions,
  run: ExecuteContext,
  writer: EntryWriter | undefined,
  whole: boolean,
): Promise<void> {
  const { planned } = state;
  const upstreamKeys: Record<string, string> = {};
  for (const [port, upstream] of Object.entries(planned.inputs))
    upstreamKeys[port] = await states.get(upstream)!.key;
  const parts = keyParts(planned, upstreamKeys);
  const staticKey = staticKeyOf(parts);
  const fingerprint = async (paths: Set<string>): Promise<FileFingerprint[]> => {
    const files: FileFingerprint[] = [];
    for (const path of paths) {
      const hash = path === STDIN_PATH ? await run.stdin().hash : await run.fingerprints.fingerprint(path);
      files.push({ path: keyPath(options.baseDir, path), hash });
    }
    return files;
  };
  const files = await fingerprint(state.inputFiles);
  const key = fullKeyOf(staticKey, files);
  if (writer) {
    await writer.commit(key);
    state.bytesOut = writer.bytes;
  }
  const record: KeyRecord = {
    parts,
    staticKey,
    key,
    files,
    outputFiles: await fingerprint(state.outputFiles),
    stored: writer !== undefined,
    report: state.report,
  };
  if (whole) await run.cache.remember(options.plan.workflow.spec.name, record);
  state.resolveKey(key);
  state.resolveCommitted();
}
