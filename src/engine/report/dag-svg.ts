import dagre from '@dagrejs/dagre';
import type { PlannedStage } from '../../workflow/plan.js';
import type { TraceRow } from '../trace.js';
import { formatValue } from './format.js';
import { escapeHtml } from './html.js';
import { statusColours } from './status.js';

const fontSize = 13;
/** Width of text at `size` px, near enough for sans-serif: no fonts are measured in Node. */
const textWidth = (text: string, size = fontSize) => text.length * size * 0.6;

/**
 * The workflow's DAG as inline SVG, laid out by dagre: a box per stage (name, plugin.stage,
 * status and records out, coloured by status), an arrow per input labelled with the port
 * type it carries (and the port, when not the default `in`).
 */
export function dagSvg(stages: PlannedStage[], rows: TraceRow[]): string {
  const rowOf = new Map(rows.map((r) => [r.stage, r]));
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 36, ranksep: 56, edgesep: 16, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  const lines = (s: PlannedStage) => {
    const row = rowOf.get(s.name);
    const state = row ? `${row.status} · ${formatValue(row.records_out)} out` : 'not run';
    return [s.name, s.uses, state];
  };
  for (const s of stages) {
    const width = Math.max(...lines(s).map((l) => textWidth(l))) + 28;
    g.setNode(s.name, { width, height: 64 });
  }
  for (const s of stages) {
    for (const [port, upstream] of Object.entries(s.inputs)) {
      const type = stages.find((u) => u.name === upstream)?.stage.output ?? 'any';
      const label = port === 'in' ? type : `${port}: ${type}`;
      g.setEdge(
        upstream,
        s.name,
        { label, width: textWidth(label, 11) + 10, height: 18, labelpos: 'c' },
        port,
      );
    }
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
  for (const s of stages) {
    const node = g.node(s.name);
    const colour = statusColours[rowOf.get(s.name)?.status ?? 'ABORTED'];
    const x = node.x - node.width / 2;
    const y = node.y - node.height / 2;
    const [name, uses, state] = lines(s).map(escapeHtml);
    parts.push(
      `<g class="dag-node" data-stage="${escapeHtml(s.name)}">` +
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${node.width.toFixed(1)}" height="${node.height}" rx="6" fill="${colour}" fill-opacity="0.1" stroke="${colour}" stroke-width="2"/>` +
        `<text x="${node.x.toFixed(1)}" y="${(y + 20).toFixed(1)}" text-anchor="middle" font-size="${fontSize}" font-weight="600" fill="#111">${name}</text>` +
        `<text x="${node.x.toFixed(1)}" y="${(y + 37).toFixed(1)}" text-anchor="middle" font-size="12" fill="#555">${uses}</text>` +
        `<text x="${node.x.toFixed(1)}" y="${(y + 54).toFixed(1)}" text-anchor="middle" font-size="11" fill="${colour}">${state}</text></g>`,
    );
  }
  const arrow =
    '<defs><marker id="gf-dag-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#777"/></marker></defs>';
  return `<svg class="dag" width="${Math.ceil(width)}" height="${Math.ceil(height)}" viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}" role="img" aria-label="workflow DAG" font-family="system-ui, sans-serif">${arrow}${parts.join('')}</svg>`;
}
