import { cpus } from 'node:os';
import { sameTask } from '../workflow/plan.js';
import { formatMemory } from '../workflow/resources.js';
import { scratchDirOf } from './attempt.js';
import { Channel } from './channel.js';
import { CommandPipeline } from './command-pipeline.js';
import { createExecutor } from './executors/index.js';
import { stagesToStop, upstreamOf } from './failure-policy.js';
import { createResourcePool, type Need } from './resource-pool.js';
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
      waitMs: () => 0,
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

/**
 * The stages that stream to each other (inside one item) run together as one task group;
 * only stored edges connect groups.
 */
function taskGroups(running: StageState[]): StageState[][] {
  const byName = new Map(running.map((s) => [s.planned.name, s]));
  const root = new Map<StageState, StageState>();
  const find = (s: StageState): StageState => {
    let r = s;
    while (root.get(r) !== r) r = root.get(r)!;
    root.set(s, r);
    return r;
  };
  for (const s of running) root.set(s, s);
  for (const producer of running) {
    for (const key of producer.outputs.keys()) {
      const consumer = byName.get(key.slice(0, key.indexOf('\0')))!;
      root.set(find(consumer), find(producer));
    }
  }
  const groups = new Map<StageState, StageState[]>();
  for (const s of running) {
    const r = find(s);
    if (!groups.has(r)) groups.set(r, []);
    groups.get(r)!.push(s);
  }
  return [...groups.values()];
}

/**
 * Command stages that stream only to each other run as one OS pipeline: a producer whose one
 * output is not stored and goes to a command stage that reads nothing else.
 */
function joinCommandPipelines(running: StageState[], states: Map<string, StageState>): void {
  const next = new Map<StageState, StageState>();
  for (const producer of running) {
    const { planned } = producer;
    if (
      !planned.stage.command ||
      planned.store ||
      planned.consumers.length !== 1 ||
      producer.outputs.size !== 1
    )
      continue;
    const [key] = producer.outputs.keys();
    const consumer = states.get(key!.slice(0, key!.indexOf('\0')))!;
    if (
      consumer.planned.stage.command &&
      Object.keys(consumer.planned.inputs).length === 1 &&
      !consumer.planned.gather
    )
      next.set(producer, consumer);
  }
  const fed = new Set(next.values());
  for (const head of next.keys()) {
    if (fed.has(head)) continue;
    const members = [head];
    for (let s = next.get(head); s; s = next.get(s)) members.push(s);
    const pipeline = new CommandPipeline(
      members.map((s) => s.planned.name),
      members.map((s) => s.settled.promise),
    );
    members.forEach((s, index) => {
      s.pipeline = { pipeline, index };
    });
  }
}

/**
 * What a group asks for: the most any of its stages does (stages streaming to each other
 * mostly wait on one another); a plain stage that declares nothing asks for nothing.
 */
function needOf(group: StageState[]): Need {
  const limits = new Map<string, number>();
  for (const s of group)
    if (s.planned.resources.maxParallel) limits.set(s.planned.group, s.planned.resources.maxParallel);
  const counted = group.filter((s) => s.planned.resources.counted);
  return {
    cpus: counted.reduce((n, s) => Math.max(n, s.planned.resources.cpus), 0),
    memory: counted.reduce((n, s) => Math.max(n, s.planned.resources.memory), 0),
    limits: [...limits],
  };
}

/**
 * Runs every task group that is not cached, as many at once as the cpus and memory allow,
 * streaming inside each group through bounded channels.
 */
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
  joinCommandPipelines(running, states);

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

  const runOne = async (state: StageState, outcome: () => Promise<void>) => {
    options.reporter.track(state.progress);
    try {
      await outcome();
      state.status = 'COMPLETED';
    } catch (err) {
      // A stage whose input failed upstream did not fail by itself: the upstream failure
      // was recorded before any of its consumers could see it.
      const aborted = state.controller.signal.aborted || failedUpstream(state);
      state.status = aborted ? 'ABORTED' : 'FAILED';
      state.error = err instanceof StageError ? err.cause : err;
      state.key.reject(err);
      state.committed.reject(err);
      if (!aborted) {
        const error =
          err instanceof StageError ? err : new StageError(state.planned.name, err, scratchDirOf(run, state));
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
  };
  const executor = createExecutor(options.executor ?? 'in-process', run);
  const pool = createResourcePool(options.cpus ?? cpus().length, options.memory ?? 0);
  const nothing: Need = { cpus: 0, memory: 0, limits: [] };
  // A task group starts once every entry it reads is committed, and when its resources fit.
  await Promise.all(
    taskGroups(running).map(async (group) => {
      const members = new Set(group);
      const external = group.flatMap((s) =>
        Object.values(s.planned.inputs)
          .map((up) => states.get(up)!)
          .filter((up) => !members.has(up)),
      );
      await Promise.allSettled(external.map((up) => up.committed.promise));
      const release = await pool.acquire(executor.placesTasks ? nothing : needOf(group));
      try {
        const handler = executor.createHandler(group);
        const submitted = handler.submit();
        await Promise.all(
          group.map((state) =>
            runOne(state, async () => {
              await submitted;
              state.nativeId = handler.nativeId;
              await handler.outcome(state);
            }),
          ),
        );
      } finally {
        release();
      }
    }),
  );
  await executor.close?.();
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
      wait_ms: Math.round(state.waitMs()),
      records_in: state.recordsIn(),
      records_out: state.recordsOut,
      bytes_out: state.bytesOut,
      peak_rss_mb: Math.round(state.peakRss / 1048576),
      cache_key: key,
      counters: formatCounters(state.counters),
      executor: state.nativeId ? executor.name : '',
      native_id: state.nativeId ?? '',
      cpus: state.planned.resources.cpus,
      memory: formatMemory(state.planned.resources.memory),
      error: state.status === 'FAILED' ? oneLine(state.error) : '',
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

const oneLine = (err: unknown) =>
  (err instanceof Error ? err.message : String(err ?? '')).replace(/\s+/g, ' ').slice(0, 500);
