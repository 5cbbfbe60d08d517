import type { TraceRow } from '../trace.js';
import { formatDuration, formatRate, formatValue, throughput } from './format.js';
import { escapeHtml } from './html.js';
import { statusColours } from './status.js';

export const statusBadge = (status: TraceRow['status']) =>
  `<span class="status" style="background:${statusColours[status]}">${status}</span>`;

/** The trace as a table, with the throughput and start offset worked out. */
export function stageTable(rows: TraceRow[]): string {
  const starts = rows.filter((r) => r.start).map((r) => Date.parse(r.start));
  const t0 = starts.length ? Math.min(...starts) : 0;
  const num = (v: number | null) => `<td class="num">${formatValue(v)}</td>`;
  const head = [
    'stage',
    'uses',
    'status',
    'attempt',
    'start',
    'duration',
    'running',
    'waiting',
    'records in',
    'records out',
    'records/s',
    'bytes out',
    'peak RSS MB',
    'cache key',
    'counters',
  ];
  const body = rows.map((r) => {
    const ran = r.status !== 'CACHED' && r.start !== '';
    return (
      `<tr data-stage="${escapeHtml(r.stage)}">` +
      `<td>${escapeHtml(r.stage)}</td><td><code>${escapeHtml(r.uses)}</code></td><td>${statusBadge(r.status)}</td>` +
      num(r.attempt) +
      `<td class="num">${ran ? `+${formatDuration(Date.parse(r.start) - t0)}` : ''}</td>` +
      `<td class="num">${ran ? formatDuration(r.duration_ms) : ''}</td>` +
      // Waiting: for inputs, or for consumers to take the output (more than the duration when
      // several inputs are waited on at once).
      `<td class="num">${ran ? formatDuration(Math.max(0, r.duration_ms - r.wait_ms)) : ''}</td>` +
      `<td class="num">${ran ? formatDuration(Math.min(r.wait_ms, r.duration_ms)) : ''}</td>` +
      num(r.records_in) +
      num(r.records_out) +
      `<td class="num">${ran ? formatRate(throughput(r.records_out, r.duration_ms)) : ''}</td>` +
      num(r.bytes_out) +
      // 0 means the stage ended before memory was sampled.
      (ran && r.peak_rss_mb > 0 ? num(r.peak_rss_mb) : '<td></td>') +
      `<td><code title="${escapeHtml(r.cache_key)}">${escapeHtml(r.cache_key.slice(0, 10))}</code></td>` +
      `<td>${escapeHtml((r.counters ?? '').replaceAll(',', ', '))}</td></tr>`
    );
  });
  return `<div class="wide"><table class="stages"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>\n${body.join('\n')}\n</tbody></table></div>`;
}
