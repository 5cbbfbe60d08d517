import dagre from '@dagrejs/dagre';
import { nodesOf } from '../../workflow/dag.js';
import type { Plan } from '../../workflow/plan.js';
import type { StageStatus, TraceRow } from '../trace.js';
import { formatValue } from './format.js';
import { escapeHtml } from './html.js';
import { statusColours } from './status.js';

const fontSize = 13;
/** Width of text at `size` px, near enough for sans-serif: no fonts are measured in Node. */
const textWidth = (text: string, size = fontSize) => text.length * size * 0.6;

/** The status a stage's box is coloured by: its worst task's. */
const severity: StageStatus[] = ['FAILED', 'ABORTED', 'COMPLETED', 'CACHED'];

/** `COMPLETED · 1,234 out`, or for a fanned-out stage `4 tasks: 3 CACHED, 1 FAILED · 1,234 out`. */
function stateOf(tasks: TraceRow[]): { text: string; status: StageStatus } {
  if (!tasks.length) return { text: 'not run', status: 'ABORTED' };
  const out = formatValue(tasks.reduce((sum, r) => sum + r.records_out, 0));
  const status = severity.find((st) => tasks.some((r) => r.status === st))!;
  if (tasks.length === 1) return { text: `${status} · ${out} out`, status };
  const counts = severity
    .map((st) => [st, tasks.filter((r) => r.status === st).length] as const)
    .filter(([, n]) => n)
    .map(([st, n]) => `${n} ${st}`);
  return { text: `${tasks.length} tasks: ${counts.join(', ')} · ${out} out`, status };
}

/**
 * The workflow's DAG as inline SVG, laid out by dagre: a box per stage of the workflow file
 * (name, plugin.stage, its fan-out, status and records out of all its tasks, coloured by the
 * worst task's status), an arrow per input labelled with the port type it carries (and the
 * port, when not the default `in`). A fan-out of 1,000 items is one box, as in `genoflow dag`.
 */
export function dagSvg(plan: Plan, rows: TraceRow[]): string {
  const { nodes, edges } = nodesOf(plan);
  const tasksOf = new Map<string, TraceRow[]>();
  for (const row of rows) {
    const group = plan.byName.get(row.stage)?.group ?? row.stage;
    tasksOf.set(group, [...(tasksOf.get(group) ?? []), row]);
  }
  const boxes = nodes.map((node) => {
    const state = stateOf(tasksOf.get(node.name) ?? []);
    const lines = [node.name, node.stage.uses, ...(node.fan ? [`(${node.fan})`] : []), state.text];
    return { name: node.name, lines, colour: statusColours[state.status] };
  });
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 36, ranksep: 56, edgesep: 16, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const box of boxes) {
    const width = Math.max(...box.lines.map((l) => textWidth(l))) + 28;
    g.setNode(box.name, { width, height: 20 + 17 * box.lines.length });
  }
  for (const edge of edges) {
    g.setEdge(
      edge.from,
      edge.to,
      { label: edge.label, width: textWidth(edge.label, 11) + 10, height: 18, labelpos: 'c' },
      edge.label,
    );
  }
  dagre.layout(g);
  const { width = 0, height = 0 } = g.graph();
  const parts: string[] = [];
  for (const e of g.edges()) {
    const edge = g.edge(e);
    const points: { x: number; y: number }[] = edge.points ?? [];
    const d = points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    parts.push(
      `<path class="dag-edge" d="${d}" fill="none" stroke="#777" stroke-width="1.5" marker-end="url(#gf-dag-arrow)"/>`,
    );
    const label = String(edge.label ?? '');
    const w = textWidth(label, 11) + 10;
    parts.push(
      `<g class="dag-edge-label"><rect x="${(edge.x! - w / 2).toFixed(1)}" y="${(edge.y! - 9).toFixed(1)}" width="${w.toFixed(1)}" height="18" rx="3" fill="white" stroke="#ccc"/>` +
        `<text x="${edge.x!.toFixed(1)}" y="${(edge.y! + 4).toFixed(1)}" text-anchor="middle" font-size="11" fill="#444">${escapeHtml(label)}</text></g>`,
    );
  }
  for (const box of boxes) {
    const node = g.node(box.name);
    const x = node.x - node.width / 2;
    const y = node.y - node.height / 2;
    const [name, ...rest] = box.lines.map(escapeHtml);
    const sizes = [12, ...rest.slice(1, -1).map(() => 11), 11];
    const texts = rest.map(
      (line, i) =>
        `<text x="${node.x.toFixed(1)}" y="${(y + 37 + 17 * i).toFixed(1)}" text-anchor="middle" font-size="${sizes[i]}" fill="${i === rest.length - 1 ? box.colour : '#555'}">${line}</text>`,
    );
    parts.push(
      `<g class="dag-node" data-stage="${escapeHtml(box.name)}">` +
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${node.width.toFixed(1)}" height="${node.height}" rx="6" fill="${box.colour}" fill-opacity="0.1" stroke="${box.colour}" stroke-width="2"/>` +
        `<text x="${node.x.toFixed(1)}" y="${(y + 20).toFixed(1)}" text-anchor="middle" font-size="${fontSize}" font-weight="600" fill="#111">${name}</text>` +
        `${texts.join('')}</g>`,
    );
  }
  const arrow =
    '<defs><marker id="gf-dag-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#777"/></marker></defs>';
  return `<svg class="dag" width="${Math.ceil(width)}" height="${Math.ceil(height)}" viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}" role="img" aria-label="workflow DAG" font-family="system-ui, sans-serif">${arrow}${parts.join('')}</svg>`;
}
