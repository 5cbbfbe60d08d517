import { rename, rm, writeFile } from 'node:fs/promises';
import type { ReportSection } from '../../plugin-api/types.js';
import type { Plan } from '../../workflow/plan.js';
import { type Provenance, versionsLine } from '../provenance.js';
import type { RunResult } from '../run.js';
import { dagSvg } from './dag-svg.js';
import { formatDuration, formatValue } from './format.js';
import { escapeHtml, htmlTable, slug } from './html.js';
import { page } from './page.js';
import { peakRssSpec, recordsSpec, throughputSpec, timelineSpec } from './run-charts.js';
import { stageTable, statusBadge } from './stage-table.js';
import { vegaLiteSvg } from './vega-svg.js';

export interface ReportInput {
  plan: Plan;
  result: RunResult;
  /** When the run started and how long it took, as the CLI measured it. */
  started: Date;
  durationMs: number;
  provenance: Provenance;
}

/**
 * Writes the run's report: one self-contained HTML file (inline CSS and SVG, no scripts,
 * no URLs) with the DAG, a timeline, per-stage figures and every stage's own sections.
 * Written to a temp file and renamed, so a reader never sees half a report. Returns the
 * problems met (a stage chart that could not be drawn), which are shown in the report too.
 */
export async function writeReport(path: string, input: ReportInput): Promise<string[]> {
  const problems: string[] = [];
  const html = await renderReport(input, problems);
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, html);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  return problems;
}

export async function renderReport(
  { plan, result, started, durationMs, provenance }: ReportInput,
  problems: string[],
): Promise<string> {
  const { spec } = plan.workflow;
  const rows = result.rows;
  const count = (status: string) => rows.filter((r) => r.status === status).length;
  const chart = async (name: string, title: string, vl: Record<string, unknown> | null, stage?: string) => {
    if (!vl) return '';
    try {
      return `<figure data-chart="${name}"><figcaption>${escapeHtml(title)}</figcaption>${await vegaLiteSvg(vl)}</figure>`;
    } catch (err) {
      const message = `${stage ? `stage "${stage}": ` : ''}chart "${title}" could not be drawn: ${err instanceof Error ? err.message : String(err)}`;
      problems.push(message);
      return `<figure data-chart="${name}"><figcaption>${escapeHtml(title)}</figcaption><p class="error">${escapeHtml(message)}</p></figure>`;
    }
  };

  const summary = [
    ['status', statusBadge(result.status === 'COMPLETED' ? 'COMPLETED' : result.status)],
    ['run', `<code>${escapeHtml(result.id)}</code>`],
    [
      'started',
      escapeHtml(
        started
          .toISOString()
          .replace('T', ' ')
          .replace(/\.\d+Z$/, ' UTC'),
      ),
    ],
    ['duration', formatDuration(durationMs)],
    [
      'stages',
      `${rows.length}: ${count('COMPLETED')} run, ${count('CACHED')} cached${count('FAILED') ? `, ${count('FAILED')} failed` : ''}${count('ABORTED') ? `, ${count('ABORTED')} aborted` : ''}`,
    ],
    ['workflow file', `<code>${escapeHtml(plan.workflow.path)}</code>`],
    ['command', `<code data-provenance="command">${escapeHtml(provenance.command)}</code>`],
    ['versions', `<code data-provenance="versions">${escapeHtml(versionsLine(provenance))}</code>`],
  ];
  const header = `<header>
<h1>${escapeHtml(spec.name)}</h1>
${spec.description ? `<p class="description">${escapeHtml(spec.description)}</p>` : ''}
<dl class="summary">${summary.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join('')}</dl>
${result.error ? `<p class="error">${escapeHtml(result.error.message)}</p>` : ''}
</header>`;

  const params = Object.entries(plan.params).map(([k, v]) => [
    k,
    typeof v === 'string' ? v : JSON.stringify(v),
  ]);
  const dag = `<section id="dag"><h2>Workflow</h2><div class="charts">
<figure data-chart="dag"><figcaption>DAG: stage, plugin.stage, status; arrows carry the port type</figcaption>${dagSvg(plan, rows)}</figure>
${params.length ? `<div><figcaption>params</figcaption>${htmlTable(['param', 'value'], params)}</div>` : ''}
</div></section>`;

  const timeline = `<section id="timeline"><h2>Timeline</h2>${await chart('timeline', 'When each stage ran', timelineSpec(rows))}</section>`;

  const records = recordsSpec(rows);
  const stages = `<section id="stages"><h2>Stages</h2>
${stageTable(rows)}
<div class="charts">
${await chart('records', 'Records in and out', records)}
${await chart('throughput', 'Throughput', throughputSpec(rows))}
${await chart('peak-rss', 'Peak memory', peakRssSpec(rows))}
${records ? '' : '<p class="note">No stage ran in this run (all came from the cache): no records, throughput or memory to chart.</p>'}
</div></section>`;

  const own: string[] = [];
  for (const planned of plan.stages) {
    const sections = result.report.get(planned.name) ?? [];
    if (!sections.length) continue;
    const parts: string[] = [];
    for (const section of sections) parts.push(await renderSection(section, planned.name, chart));
    own.push(
      `<section class="stage-report" data-stage="${escapeHtml(planned.name)}"><h2>${escapeHtml(planned.name)}<small>${escapeHtml(planned.uses)}</small></h2><div class="charts">\n${parts.join('\n')}\n</div></section>`,
    );
  }

  const footer = `<footer>genoflow report · ${formatValue(rows.length)} stages · generated ${escapeHtml(new Date().toISOString())}</footer>`;
  return page(
    `${spec.name} — genoflow run ${result.id}`,
    [header, dag, timeline, stages, ...own, footer].join('\n'),
  );
}

type ChartRenderer = (
  name: string,
  title: string,
  spec: Record<string, unknown> | null,
  stage?: string,
) => Promise<string>;

async function renderSection(section: ReportSection, stage: string, chart: ChartRenderer): Promise<string> {
  const name = slug(section.title);
  const parts: string[] = [];
  if (section.vegaLite) parts.push(await chart(name, section.title, section.vegaLite, stage));
  if (section.table) {
    const caption = section.vegaLite ? '' : `<figcaption>${escapeHtml(section.title)}</figcaption>`;
    parts.push(
      `<figure data-table="${name}">${caption}${htmlTable(section.table.columns, section.table.rows)}</figure>`,
    );
  }
  return parts.join('\n');
}
