import type { Plan, PlannedStage } from './plan.js';

const id = (name: string) => name.replace(/[^\w]/g, '_');

/** One node per stage of the workflow file (its first task stands for all of its items). */
export interface DagNode {
  name: string;
  stage: PlannedStage;
  /** `each: sheet samples.tsv: 4`, `gather`, or ''. */
  fan: string;
}

export function nodesOf(plan: Plan): {
  nodes: DagNode[];
  edges: { from: string; to: string; label: string }[];
} {
  const nodes = new Map<string, DagNode>();
  for (const s of plan.stages) {
    if (nodes.has(s.group)) continue;
    const fan = plan.fanOuts.get(s.group);
    const mark = s.gather
      ? 'gather'
      : fan
        ? `each: ${fan.describe}${fan.stage === s.group ? '' : ` (from ${fan.stage})`}`
        : '';
    nodes.set(s.group, { name: s.group, stage: s, fan: mark });
  }
  const edges = new Map<string, { from: string; to: string; label: string }>();
  for (const { name, stage } of nodes.values()) {
    for (const [input, upstream] of Object.entries(stage.inputs)) {
      const producer = plan.byName.get(upstream)!;
      const port = stage.gather ? input.replace(/\[.*\]$/, '') : input;
      const type = producer.stage.output;
      edges.set(`${producer.group}\0${name}\0${port}`, {
        from: producer.group,
        to: name,
        label: port === 'in' ? `${type}` : `${port}: ${type}`,
      });
    }
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

/** The DAG as Mermaid: nodes `name: plugin.stage`, edges labelled with their port type. */
export function toMermaid(plan: Plan): string {
  const lines = ['flowchart LR'];
  const { nodes, edges } = nodesOf(plan);
  for (const { name, stage: s, fan } of nodes) {
    const label = `${name}<br/>${s.uses}${fan ? `<br/>(${fan})` : ''}${s.store ? '<br/>(stored)' : ''}`;
    lines.push(`  ${id(name)}${s.stage.output === null ? `[/"${label}"/]` : `["${label}"]`}`);
  }
  for (const e of edges) lines.push(`  ${id(e.from)} -->|${e.label}| ${id(e.to)}`);
  return `${lines.join('\n')}\n`;
}

/** The DAG in Graphviz dot. */
export function toDot(plan: Plan): string {
  const q = (s: string) => `"${s.replace(/"/g, '\\"')}"`;
  const lines = [`digraph ${q(plan.workflow.spec.name)} {`, '  rankdir=LR;', '  node [shape=box];'];
  const { nodes, edges } = nodesOf(plan);
  for (const { name, stage: s, fan } of nodes) {
    const shape = s.stage.output === null ? ', shape=parallelogram' : '';
    const style = s.store ? ', style=bold' : '';
    const label = `${name}\\n${s.uses}${fan ? `\\n(${fan})` : ''}${s.store ? '\\n(stored)' : ''}`;
    lines.push(`  ${q(name)} [label=${q(label)}${shape}${style}];`);
  }
  for (const e of edges) lines.push(`  ${q(e.from)} -> ${q(e.to)} [label=${q(e.label)}];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
