import { sameTask } from '../workflow/plan.js';
import { runAttempts, scratchDirOf } from './attempt.js';
import { Channel } from './channel.js';
import { stagesToStop, upstreamOf } from './failure-policy.js';
import {
  asError,
  deferred,
  edge,
  type RunContext,
  type RunResult,
  StageError,
  type StageState,
} from './run-state.js';
import { formatCounters, type TraceRow } from './trace.js';

/** The states of every stage of the plan, before anything runs. */
export function stageStates(run: Omit<RunContext, 'states'>): Map<string, StageState> {
  const states = new Map<string, StageState>();
  for (const planned of run.options.plan.stages) {
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
      counters: {},
      inputFiles: new Set(),
      outputFiles: new Set(),
      report: decision.report ?? [],
      key: deferred<string>(),
      committed: deferred<void>(),
      settled: deferred<void>(),
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
      state.key.resolve(decision.key!);
      state.committed.resolve();
    }
    states.set(planned.name, state);
  }
  return states;
}

/** Runs every stage that is not cached at once, streaming through bounded channels. */
export async function schedule(run: RunContext): Promise<Omit<RunResult, 'id' | 'decisions'>> {
  const { options, states } = run;
  const capacity = options.channelCapacity ?? 1024;
  const running = [...states.values()].filter((s) => s.decision.action === 'run');
  // Streaming edges: both ends run and neither retries (a retrying stage reads and is read
  // through committed entries, so a retry never re-sends records downstream).
  const streams = (producer: StageState, consumer: StageState) =>
    producer.decision.action === 'run' &&
    producer.planned.retries === 0 &&
    consumer.planned.retries === 0 &&
    sameTask(producer.planned, consumer.planned);
  for (const consumer of running) {
    for (const [port, upstream] of Object.entries(consumer.planned.inputs)) {
      const producer = states.get(upstream)!;
      if (!streams(producer, consumer)) continue;
      const bound = producer.planned.stage.outputBuffer ?? capacity;
      producer.outputs.set(edge(consumer.planned.name, port), new Channel(bound));
    }
  }

  /** Cancels stages: their reads throw, their consumers see the error, their producers go on. */
  const abortStages = (victims: Iterable<StageState>, reason: unknown) => {
    for (const s of victims) {
      if (s.decision.action !== 'run' || s.controller.signal.aborted) continue;
      s.controller.abort(reason);
      for (const channel of s.outputs.values()) channel.fail(reason);
      for (const [port, upstream] of Object.entries(s.planned.inputs)) {
        states.get(upstream)!.outputs.get(edge(s.planned.name, port))?.detach(reason);
      }
    }
  };
  const afterFailure = (failed: StageState, error: Error) => {
    const stop = [...stagesToStop(options.plan, failed.planned.name)].map((name) => states.get(name)!);
    abortStages(stop, error);
    if (failed.planned.onError === 'finish') return;
    for (const [port, upstream] of Object.entries(failed.planned.inputs)) {
      states.get(upstream)!.outputs.get(edge(failed.planned.name, port))?.detach(error);
    }
  };
  const failedUpstream = (state: StageState) =>
    [...upstreamOf(options.plan, state.planned.name)].some((name) => states.get(name)!.status === 'FAILED');
  const onAbort = () => abortStages(states.values(), options.signal.reason);
  options.signal.addEventListener('abort', onAbort, { once: true });
  if (options.signal.aborted) onAbort();
  let firstError: Error | undefined;

  const sampler = setInterval(() => {
    const rss = process.memoryUsage.rss();
    for (const s of running) if (s.start && !s.end && rss > s.peakRss) s.peakRss = rss;
  }, 100);
  sampler.unref();

  await Promise.all(
    running.map(async (state) => {
      options.reporter.track(state.progress);
      try {
        await runAttempts(run, state);
        state.status = 'COMPLETED';
      } catch (err) {
        // A stage whose input failed upstream did not fail by itself: the upstream failure
        // was recorded before any of its consumers could see it.
        const aborted = state.controller.signal.aborted || failedUpstream(state);
        state.status = aborted ? 'ABORTED' : 'FAILED';
        state.key.reject(err);
        state.committed.reject(err);
        if (!aborted) {
          const error =
            err instanceof StageError
              ? err
              : new StageError(state.planned.name, err, scratchDirOf(run, state));
          firstError ??= error;
          run.log.error(error.message);
          afterFailure(state, error);
        }
        for (const channel of state.outputs.values()) channel.fail(err);
      } finally {
        state.end = Date.now();
        state.progress.done = true;
        state.settled.resolve();
      }
    }),
  );
  clearInterval(sampler);
  options.signal.removeEventListener('abort', onAbort);
  options.reporter.stop();

  const rows: TraceRow[] = [];
  for (const state of states.values()) {
    const key = state.status === 'CACHED' || state.status === 'COMPLETED' ? await state.key.promise : '';
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
      counters: formatCounters(state.counters),
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
