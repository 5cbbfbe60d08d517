import type { TraceRow } from '../trace.js';
import { formatDuration, formatRate, formatValue, throughput } from './format.js';
import { statusColours, statuses } from './status.js';

type Spec = Record<string, unknown>;

const statusScale = { domain: statuses, range: statuses.map((s) => statusColours[s]) };
const rowHeight = 24;

/**
 * Gantt bars of each stage from its start to its end, seconds since the first stage
 * started, coloured by status; a cached stage did not run and shows as a dot at 0.
 */
export function timelineSpec(rows: TraceRow[]): Spec {
  const starts = rows.filter((r) => r.start).map((r) => Date.parse(r.start));
  const t0 = starts.length ? Math.min(...starts) : 0;
  const values = rows.map((r) => {
    const from = r.start ? (Date.parse(r.start) - t0) / 1000 : 0;
    const to = from + r.duration_ms / 1000;
    const label =
      r.status === 'CACHED'
        ? 'cached'
        : `${formatDuration(r.duration_ms)}${r.attempt > 1 ? ` (attempt ${r.attempt})` : ''}`;
    return { stage: r.stage, status: r.status, from, to, label };
  });
  const span = Math.max(1, ...values.map((v) => v.to));
  const y = { field: 'stage', type: 'nominal', sort: rows.map((r) => r.stage), title: null };
  return {
    width: 640,
    height: rowHeight * rows.length,
    data: { values },
    encoding: { y },
    layer: [
      {
        mark: { type: 'bar', cornerRadius: 2, height: 14 },
        encoding: {
          x: {
            field: 'from',
            type: 'quantitative',
            title: 'seconds since the run started',
            scale: { domain: [0, span * 1.15] },
          },
          x2: { field: 'to' },
          color: { field: 'status', type: 'nominal', scale: statusScale, title: 'status' },
        },
      },
      {
        transform: [{ filter: "datum.status === 'CACHED'" }],
        mark: { type: 'point', filled: true, size: 80 },
        encoding: {
          x: { field: 'from', type: 'quantitative' },
          color: { field: 'status', type: 'nominal', scale: statusScale },
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 6, fontSize: 11 },
        encoding: { x: { field: 'to', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  };
}

/** The stages that ran in this run: a cached stage has no time, throughput or memory of its own. */
const ran = (rows: TraceRow[]) => rows.filter((r) => r.status !== 'CACHED' && r.start);

/** Horizontal bars per stage, with the value written beside each as the table writes it. */
function stageBars(
  values: { stage: string; value: number; label: string }[],
  title: string,
  colour: string,
): Spec {
  return {
    width: 300,
    height: rowHeight * values.length,
    data: { values },
    encoding: {
      y: { field: 'stage', type: 'nominal', sort: values.map((v) => v.stage), title: null },
      x: { field: 'value', type: 'quantitative', title },
    },
    layer: [
      { mark: { type: 'bar', color: colour, height: 14 } },
      { mark: { type: 'text', align: 'left', dx: 4, fontSize: 11 }, encoding: { text: { field: 'label' } } },
    ],
  };
}

/** Records each stage that ran read and wrote; null when none ran. */
export function recordsSpec(rows: TraceRow[]): Spec | null {
  const shown = ran(rows);
  if (!shown.length) return null;
  const values = shown.flatMap((r) => [
    { stage: r.stage, direction: 'in', records: r.records_in, label: formatValue(r.records_in) },
    { stage: r.stage, direction: 'out', records: r.records_out, label: formatValue(r.records_out) },
  ]);
  return {
    width: 300,
    height: rowHeight * 1.6 * shown.length,
    data: { values },
    encoding: {
      y: { field: 'stage', type: 'nominal', sort: shown.map((r) => r.stage), title: null },
      yOffset: { field: 'direction', type: 'nominal', sort: ['in', 'out'] },
      x: { field: 'records', type: 'quantitative', title: 'records', axis: { tickMinStep: 1, format: ',d' } },
    },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          color: {
            field: 'direction',
            type: 'nominal',
            scale: { domain: ['in', 'out'], range: ['#90a4ae', '#37474f'] },
            title: null,
          },
        },
      },
      { mark: { type: 'text', align: 'left', dx: 4, fontSize: 10 }, encoding: { text: { field: 'label' } } },
    ],
  };
}

/** Records out per second of each stage that ran; null when none ran. */
export function throughputSpec(rows: TraceRow[]): Spec | null {
  const values = ran(rows).flatMap((r) => {
    const rps = throughput(r.records_out, r.duration_ms);
    return rps === null ? [] : [{ stage: r.stage, value: rps, label: formatRate(rps) }];
  });
  return values.length ? stageBars(values, 'records out per second', '#6a1b9a') : null;
}

/**
 * Peak RSS of the process while each stage ran; null when none was measured (RSS is
 * sampled every 100 ms, so a stage that ended sooner has none: 0 in the trace).
 */
export function peakRssSpec(rows: TraceRow[]): Spec | null {
  const values = ran(rows)
    .filter((r) => r.peak_rss_mb > 0)
    .map((r) => ({
      stage: r.stage,
      value: r.peak_rss_mb,
      label: formatValue(r.peak_rss_mb),
    }));
  return values.length
    ? stageBars(values, 'peak RSS (MB) of the process while the stage ran', '#00838f')
    : null;
}
