import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { loadWorkflow } from '../../workflow/load.js';
import { type Plan, type PlannedStage, planWorkflow } from '../../workflow/plan.js';
import { scratchDirOf } from '../attempt.js';
import { StageCache, writeJsonAtomic } from '../cache.js';
import type { Decision } from '../decide.js';
import { FingerprintStore } from '../fingerprint.js';
import { createLogger } from '../logger.js';
import { PluginRegistry } from '../plugin-loader.js';
import { createReporter } from '../progress.js';
import { schedule, stageStates } from '../scheduler.js';
import type { StageOutcome, TaskOutcome, TaskSpec } from './executor.js';

/**
 * Runs one task in this process (what `genoflow exec-task` does): the task's stages, fed by
 * replays of the committed entries it names, and writes each stage's outcome.
 */
export async function runTask(spec: TaskSpec, signal: AbortSignal): Promise<void> {
  const workflow = await loadWorkflow(spec.workflowFile);
  const registry = await PluginRegistry.create({
    extra: workflow.spec.plugins,
    baseDir: dirname(workflow.path),
    errorAt: (index, message) => workflow.error(['plugins', index], message),
  });
  const plan = taskPlan(await planWorkflow(workflow, spec.params, registry, spec.baseDir), spec);
  const decisions = new Map<string, Decision>(
    plan.stages.map((stage) => [
      stage.name,
      spec.entries[stage.name] === undefined
        ? { stage, action: 'run', reason: 'submitted', replayable: false }
        : { stage, action: 'cached', reason: 'committed', key: spec.entries[stage.name], replayable: true },
    ]),
  );
  const log = createLogger(spec.logLevel);
  const shared = {
    id: spec.run,
    options: {
      plan,
      registry,
      workDir: spec.workDir,
      baseDir: spec.baseDir,
      threads: spec.threads,
      resume: false,
      reuseStdin: false,
      stdin: Readable.from([]),
      stdout: process.stdout,
      logLevel: spec.logLevel,
      signal,
      reporter: await createReporter('off'),
    },
    cache: new StageCache(spec.workDir),
    // Not saved: the parent's run owns the store; a child only reads it.
    fingerprints: await FingerprintStore.open(join(spec.workDir, 'fingerprints.json')),
    decisions,
    stdin: () => {
      throw new Error(
        'a task on the process executor has no stdin: run a stage that reads stdin with --executor in-process',
      );
    },
    log,
  };
  const states = stageStates(shared);
  // An attempt of its own: numbered as the executor counts, with no retry inside the task.
  if (spec.attempt) for (const name of spec.stages) states.get(name)!.attempt = spec.attempt - 1;
  await schedule({ ...shared, states });
  const outcome: TaskOutcome = {};
  for (const name of spec.stages) {
    const state = states.get(name)!;
    const status = state.status ?? 'ABORTED';
    const error = state.error;
    const stage: StageOutcome = {
      status,
      attempt: state.attempt,
      start: state.start,
      end: state.end,
      recordsIn: state.recordsIn(),
      recordsOut: state.recordsOut,
      bytesOut: state.bytesOut,
      counters: state.counters,
    };
    if (status === 'COMPLETED') stage.key = await state.key.promise;
    else {
      stage.error = error instanceof Error ? error.message : String(error ?? status);
      stage.scratchDir = scratchDirOf({ ...shared, states }, state);
    }
    outcome[name] = stage;
  }
  // Whole or not at all: a job that is requeued while writing it leaves no half outcome.
  await writeJsonAtomic(spec.outcomeFile, outcome, false);
}

/** The plan cut down to the task: its stages, and the stages whose entries it replays. */
function taskPlan(plan: Plan, spec: TaskSpec): Plan {
  const names = new Set([...spec.stages, ...Object.keys(spec.entries)]);
  const stages: PlannedStage[] = plan.stages
    .filter((s) => names.has(s.name))
    .map((s) => {
      const replayed = spec.entries[s.name] !== undefined;
      return {
        ...s,
        inputs: replayed ? {} : s.inputs,
        retries: spec.attempt ? 0 : s.retries,
        gather: replayed ? undefined : s.gather,
        consumers: s.consumers.filter((c) => names.has(c.stage)),
      };
    });
  return { ...plan, stages, byName: new Map(stages.map((s) => [s.name, s])) };
}
