import type { Plan } from '../workflow/plan.js';

/** Every stage that reads, directly or not, from `name`. */
export function downstreamOf(plan: Plan, name: string, found = new Set<string>()): Set<string> {
  for (const c of plan.byName.get(name)!.consumers) {
    if (!found.has(c.stage)) downstreamOf(plan, c.stage, found.add(c.stage));
  }
  return found;
}

/** Every stage that `name` reads from, directly or not. */
export function upstreamOf(plan: Plan, name: string, found = new Set<string>()): Set<string> {
  for (const up of Object.values(plan.byName.get(name)!.inputs)) {
    if (!found.has(up)) upstreamOf(plan, up, found.add(up));
  }
  return found;
}

/**
 * The stages to stop after `failed` failed. With `on-error: finish` only what reads from
 * it; otherwise everything, except the stored stages upstream of it (and what feeds them),
 * which finish and commit so that `--resume` starts from them.
 */
export function stagesToStop(plan: Plan, failed: string): Set<string> {
  const stage = plan.byName.get(failed)!;
  if (stage.onError === 'finish') return downstreamOf(plan, failed);
  const keep = new Set<string>([failed]);
  for (const up of upstreamOf(plan, failed)) {
    if (plan.byName.get(up)!.store) for (const s of [up, ...upstreamOf(plan, up)]) keep.add(s);
  }
  return new Set(plan.stages.map((s) => s.name).filter((s) => !keep.has(s)));
}
