import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { stableJson } from '../cache.js';
import { type RunContext, StageError, type StageState } from '../run-state.js';
import type { TaskOutcome, TaskSpec } from './executor.js';

/**
 * The plain description of a task group for another process (`BASE.task.json`), whose
 * outcome goes to `BASE.outcome.json`. Waits for the entries it reads to be committed.
 */
export async function taskSpecOf(
  run: RunContext,
  group: StageState[],
  base: string,
  attempt?: number,
): Promise<TaskSpec> {
  const members = new Set(group.map((s) => s.planned.name));
  const entries: Record<string, string> = {};
  for (const s of group)
    for (const up of Object.values(s.planned.inputs))
      if (!members.has(up)) entries[up] = await run.states.get(up)!.key.promise;
  return {
    run: run.id,
    workflowFile: run.options.plan.workflow.path,
    params: run.options.plan.params,
    stages: [...members],
    entries,
    workDir: run.options.workDir,
    baseDir: run.options.baseDir,
    threads: run.options.threads,
    logLevel: run.options.logLevel,
    outcomeFile: `${base}.outcome.json`,
    ...(attempt === undefined ? {} : { attempt }),
  };
}

export const writeTaskSpec = (base: string, spec: TaskSpec) =>
  writeFile(`${base}.task.json`, JSON.stringify(spec));

/** What a task is, whichever run or attempt submits it: the same inputs give the same key. */
export const taskKeyOf = (spec: TaskSpec) =>
  createHash('sha256')
    .update(stableJson([spec.workflowFile, spec.params, spec.stages, spec.entries]))
    .digest('hex');

/** Takes a stage's outcome, as the task reported it, into its live state; throws if it did not complete. */
export function applyOutcome(state: StageState, outcome: TaskOutcome): void {
  const stage = outcome[state.planned.name]!;
  state.attempt = stage.attempt;
  if (stage.start) state.start = stage.start;
  state.recordsIn = () => stage.recordsIn;
  state.recordsOut = stage.recordsOut;
  state.bytesOut = stage.bytesOut;
  state.counters = stage.counters;
  if (stage.status === 'COMPLETED') {
    state.key.resolve(stage.key!);
    state.committed.resolve();
    return;
  }
  const error = new Error(stage.error ?? stage.status);
  // What the task saw as a consequence of another stage's failure is not this stage's.
  if (stage.status === 'ABORTED') state.controller.abort(error);
  throw new StageError(state.planned.name, error, stage.scratchDir ?? '');
}
