import { describe, expect, it } from 'vitest';
import { downstreamOf, stagesToStop, upstreamOf } from '../../src/engine/failure-policy.js';
import type { Plan, PlannedStage } from '../../src/workflow/plan.js';

/** A plan of stages given as `name: [inputs...]`, with the stored and `finish` ones named. */
function plan(graph: Record<string, string[]>, stored: string[] = [], finish: string[] = []): Plan {
  const stages = Object.entries(graph).map(
    ([name, inputs]) =>
      ({
        name,
        inputs: Object.fromEntries(inputs.map((up, i) => [`in${i}`, up])),
        consumers: [],
        store: stored.includes(name),
        onError: finish.includes(name) ? 'finish' : 'terminate',
      }) as unknown as PlannedStage,
  );
  const byName = new Map(stages.map((s) => [s.name, s]));
  for (const s of stages)
    for (const [port, up] of Object.entries(s.inputs))
      byName.get(up)!.consumers.push({ stage: s.name, port });
  return { stages, byName } as unknown as Plan;
}

//   a -> b -> c -> d
//   x -> y ------^ (d reads c and y)
const graph = { a: [], b: ['a'], c: ['b'], x: [], y: ['x'], d: ['c', 'y'] };

describe('failure policy', () => {
  it('walks the plan up and down', () => {
    const p = plan(graph);
    expect([...downstreamOf(p, 'b')].sort()).toEqual(['c', 'd']);
    expect([...upstreamOf(p, 'd')].sort()).toEqual(['a', 'b', 'c', 'x', 'y']);
    expect(upstreamOf(p, 'a').size).toBe(0);
  });

  it('stops everything but the failed stage when nothing upstream is stored', () => {
    expect([...stagesToStop(plan(graph), 'c')].sort()).toEqual(['a', 'b', 'd', 'x', 'y']);
  });

  it('lets stored stages upstream of the failure (and what feeds them) finish', () => {
    expect([...stagesToStop(plan(graph, ['b']), 'c')].sort()).toEqual(['d', 'x', 'y']);
    // y is stored but not upstream of c: it stops.
    expect([...stagesToStop(plan(graph, ['y']), 'c')].sort()).toEqual(['a', 'b', 'd', 'x', 'y']);
  });

  it('with on-error: finish stops only what reads from the failed stage', () => {
    expect([...stagesToStop(plan(graph, [], ['b']), 'b')].sort()).toEqual(['c', 'd']);
  });
});
