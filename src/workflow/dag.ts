import type { Plan } from './plan.js';

const id = (name: string) => name.replace(/[^\w]/g, '_');

/** The DAG as Mermaid: nodes `name: plugin.stage`, edges labelled with their port type. */
export function toMermaid(plan: Plan): string {
  const lines = ['flowchart LR'];
  for (const s of plan.stages) {
    const label = `${s.name}<br/>${s.uses}${s.store ? '<br/>(stored)' : ''}`;
    lines.push(`  ${id(s.name)}${s.stage.output === null ? `[/"${label}"/]` : `["${label}"]`}`);
  }
  for (const s of plan.stages) {
    for (const [port, upstream] of Object.entries(s.inputs)) {
      const type = plan.byName.get(upstream)!.stage.output;
      const label = port === 'in' ? `${type}` : `${port}: ${type}`;
      lines.push(`  ${id(upstream)} -->|${label}| ${id(s.name)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The DAG in Graphviz dot. */
export function toDot(plan: Plan): string {
  const q = (s: string) => `"${s.replace(/"/g, '\\"')}"`;
  const lines = [`digraph ${q(plan.workflow.spec.name)} {`, '  rankdir=LR;', '  node [shape=box];'];
  for (const s of plan.stages) {
    const shape = s.stage.output === null ? ', shape=parallelogram' : '';
    const style = s.store ? ', style=bold' : '';
    lines.push(
      `  ${q(s.name)} [label=${q(`${s.name}\\n${s.uses}${s.store ? '\\n(stored)' : ''}`)}${shape}${style}];`,
    );
  }
  for (const s of plan.stages) {
    for (const [port, upstream] of Object.entries(s.inputs)) {
      const type = plan.byName.get(upstream)!.stage.output;
      lines.push(
        `  ${q(upstream)} -> ${q(s.name)} [label=${q(port === 'in' ? `${type}` : `${port}: ${type}`)}];`,
      );
    }
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
