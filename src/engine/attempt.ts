import { createHash } from 'node:crypto';
import { rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BATCHES, type Batch, batch } from '../plugin-api/batch.js';
import { stableJson } from './cache.js';
import { codecOf } from './codec.js';
import { createLogger } from './logger.js';
import { genoflowVersion } from './provenance.js';
import { type Attempt, edge, type RunContext, StageError, type StageState } from './run-state.js';
import { runStage } from './stage-runner.js';
import { STDIN_PATH, STDOUT_PATH } from './stdin.js';
import { commitStage, countedInput, openStoreTap, replayBatches, type StoreTap } from './stored-output.js';
import { runDir } from './workdir.js';

/** Survives failed attempts and runs: keyed by what the stage is, not by its inputs. */
export function checkpointDirOf(run: RunContext, state: StageState): string {
  const { planned } = state;
  const id = createHash('sha256')
    .update(
      stableJson([
        run.options.plan.workflow.spec.name,
        planned.name,
        planned.uses,
        planned.pluginVersion,
        planned.rawParams,
      ]),
    )
    .digest('hex');
  return join(run.options.workDir, 'checkpoints', id);
}

export const scratchDirOf = (run: RunContext, state: StageState, attempt = state.attempt) =>
  join(runDir(run.options.workDir, run.id), 'scratch', state.planned.name, String(Math.max(1, attempt)));

/** The plain description of the next try of a stage. */
export function describeAttempt(run: RunContext, state: StageState, number: number): Attempt {
  const { planned } = state;
  const inputs: Attempt['inputs'] = {};
  for (const [port, upstream] of Object.entries(planned.inputs)) {
    const streamed = number === 1 && run.states.get(upstream)!.outputs.has(edge(planned.name, port));
    inputs[port] = { stage: upstream, via: streamed ? 'stream' : 'entry' };
  }
  return {
    run: run.id,
    workflow: run.options.plan.workflow.spec.name,
    stage: planned.name,
    uses: planned.uses,
    number,
    params: planned.params,
    inputs,
    scratchDir: scratchDirOf(run, state, number),
    checkpointDir: checkpointDirOf(run, state),
    threads: run.options.threads,
    baseDir: run.options.baseDir,
    stores: planned.store,
  };
}

/** Removes `dir` if it is empty, then each parent below `top` that this leaves empty. */
async function removeEmptyDirs(dir: string, top: string): Promise<void> {
  for (let d = dir; d.startsWith(`${top}/`); d = dirname(d)) {
    if (
      !(await rmdir(d).then(
        () => true,
        () => false,
      ))
    )
      return;
  }
}

/** Runs a stage's attempts until one succeeds or none is left; throws a StageError. */
export async function runAttempts(run: RunContext, state: StageState): Promise<void> {
  const { planned } = state;
  const maxAttempts = planned.retries + 1;
  const signal = AbortSignal.any([state.controller.signal, run.options.signal]);
  for (;;) {
    const attempt = describeAttempt(run, state, state.attempt + 1);
    state.attempt = attempt.number;
    // A task over its `time` is killed (its signal aborts: a command's process group goes too).
    const overTime = new AbortController();
    const { time } = planned.resources;
    const timer = time
      ? setTimeout(
          () => overTime.abort(new Error(`killed: ran past its time limit of ${formatTime(time)}`)),
          time,
        )
      : undefined;
    try {
      await runAttempt(run, state, attempt, AbortSignal.any([signal, overTime.signal]));
      return;
    } catch (caught) {
      const err = overTime.signal.aborted ? overTime.signal.reason : caught;
      if (state.attempt >= maxAttempts || signal.aborted)
        throw new StageError(planned.name, err, attempt.scratchDir);
      const delay = 200 * 2 ** (state.attempt - 1);
      run.log.warn(
        `[${planned.name}] attempt ${state.attempt} failed: ${(err as Error).message}; retrying in ${delay} ms (scratch dir kept: ${attempt.scratchDir})`,
      );
      await new Promise((r) => setTimeout(r, delay));
    } finally {
      clearTimeout(timer);
    }
  }
}

const formatTime = (ms: number) => (ms % 1000 ? `${ms} ms` : `${ms / 1000} s`);

/** The input streams of an attempt: live channels, or replays of committed entries. */
function attemptInputs(run: RunContext, state: StageState, attempt: Attempt) {
  const counters: { n: number; waitMs: number }[] = [];
  const inputs: Record<string, AsyncIterable<unknown>> = {};
  for (const [port, input] of Object.entries(attempt.inputs)) {
    const producer = run.states.get(input.stage)!;
    const counter = { n: 0, waitMs: 0 };
    counters.push(counter);
    if (input.via === 'stream') {
      const channel = producer.outputs.get(edge(state.planned.name, port))!;
      inputs[port] = countedInput(() => channel.batches(), counter);
    } else {
      const codec = codecOf(run.options.registry, producer.planned.stage.output);
      inputs[port] = countedInput(async function* () {
        await producer.committed.promise;
        input.entry = await producer.key.promise;
        yield* replayBatches(run.cache, input.entry, codec);
      }, counter);
    }
  }
  const { gather } = state.planned;
  for (const [port, parts] of Object.entries(gather?.ports ?? {})) {
    const streams = parts.map((p) => ({ item: p.item, source: inputs[p.input]! }));
    for (const p of parts) delete inputs[p.input];
    inputs[port] = gathered(streams, gather!.tag);
  }
  return {
    inputs,
    recordsIn: () => counters.reduce((sum, c) => sum + c.n, 0),
    inputWaitMs: () => counters.reduce((sum, c) => sum + c.waitMs, 0),
  };
}

/** Every item's stream, one after another in item order; a plain-object record gets its `item`. */
function gathered(
  streams: { item: string; source: AsyncIterable<unknown> }[],
  tag: string,
): AsyncIterable<unknown> {
  const batches = async function* () {
    for (const { item, source } of streams) {
      for await (const entry of (source as unknown as { [BATCHES]: () => AsyncIterable<Batch<unknown>> })[
        BATCHES
      ]()) {
        yield entry.bytes !== undefined ? entry : batch(entry.records.map((r) => tagged(r, tag, item)));
      }
    }
  };
  return {
    [BATCHES]: batches,
    async *[Symbol.asyncIterator]() {
      for await (const entry of batches()) yield* entry.records;
    },
  } as AsyncIterable<unknown>;
}

/** A field the record has keeps its place and takes the item's id (`sample` from the sheet). */
const tagged = (record: unknown, tag: string, item: string) =>
  record !== null && typeof record === 'object' && Object.getPrototypeOf(record) === Object.prototype
    ? { [tag]: item, ...record, [tag]: item }
    : record;

async function runAttempt(run: RunContext, state: StageState, attempt: Attempt, signal: AbortSignal) {
  const { planned } = state;
  state.start ??= Date.now();
  state.inputFiles.clear();
  state.outputFiles.clear();
  state.report = [];
  state.recordsOut = 0;
  state.counters = {};
  const { inputs, recordsIn, inputWaitMs } = attemptInputs(run, state, attempt);
  state.recordsIn = recordsIn;
  let outputWaitMs = 0;
  state.waitMs = () => inputWaitMs() + outputWaitMs;
  const outputs = [...state.outputs.values()];
  let store: StoreTap | undefined;
  // A failed cache write (a full disk) stops this attempt at once, and is why it failed.
  const storeFailed = new AbortController();
  if (attempt.stores) {
    store = await openStoreTap(run, state, (err) => storeFailed.abort(err));
    outputs.push(store.tap);
  }
  try {
    const stats = await runStage({
      stage: planned.stage,
      stageName: planned.name,
      params: attempt.params,
      inputs,
      outputs,
      signal: AbortSignal.any([signal, storeFailed.signal]),
      log: createLogger(run.options.logLevel, planned.name),
      scratchDir: attempt.scratchDir,
      checkpointDir: attempt.checkpointDir,
      threads: attempt.threads,
      baseDir: attempt.baseDir,
      run: { id: run.id, command: run.options.provenance?.command ?? '', genoflowVersion },
      stdin: () => {
        state.inputFiles.add(STDIN_PATH);
        return run.stdin().open();
      },
      stdout: () => {
        state.outputFiles.add(STDOUT_PATH);
        return run.options.stdout;
      },
      onInputFile: (path) => state.inputFiles.add(path),
      onOutputFile: (path) => state.outputFiles.add(path),
      onStatus: (text) => {
        state.progress.status = text;
      },
      onReport: (section) => state.report.push(section),
      onCount: (name, n) => {
        state.counters[name] = (state.counters[name] ?? 0) + n;
      },
      live: state,
      pipeline: state.pipeline,
    });
    state.recordsOut = stats.recordsOut;
    outputWaitMs = stats.outputWaitMs;
    await store?.stored;
    if (stats.truncated) {
      // Every consumer stopped reading: the output is not whole, so it is neither
      // stored nor remembered. If they stopped because they failed, so did this stage.
      await store?.writer.discard();
      await commitStage(run, state, undefined, false);
      for (const c of planned.consumers) await run.states.get(c.stage)!.settled.promise;
      const failed = planned.consumers.find((c) => run.states.get(c.stage)!.status !== 'COMPLETED');
      if (failed || signal.aborted) {
        state.controller.abort(new Error(`consumer ${failed?.stage ?? ''} stopped`));
        throw signal.reason;
      }
    } else {
      await commitStage(run, state, store?.writer, true);
    }
    await rm(attempt.scratchDir, { recursive: true, force: true });
    await rm(attempt.checkpointDir, { recursive: true, force: true });
    await removeEmptyDirs(dirname(attempt.scratchDir), runDir(run.options.workDir, run.id));
  } catch (caught) {
    const err = store?.failure ?? caught;
    // The consumers' channels are failed by the scheduler once this failure is recorded,
    // so that none of them can be blamed for it first.
    store?.tap.fail(err);
    await store?.stored.catch(() => {});
    await store?.writer.discard();
    // A failed attempt keeps its scratch and checkpoint dirs for a look or a resume, unless empty.
    await removeEmptyDirs(attempt.scratchDir, runDir(run.options.workDir, run.id));
    await rmdir(attempt.checkpointDir).catch(() => {});
    throw err;
  }
}
