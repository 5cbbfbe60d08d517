import { escapeHtml } from './html.js';

const css = `
:root { color-scheme: light; --ink: #1b1f23; --muted: #5f6b76; --line: #e3e6ea; --card: #fff; --bg: #f5f6f8; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header .description { margin: 0 0 12px; color: var(--muted); max-width: 80ch; }
.summary { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 0; }
.summary div { display: flex; flex-direction: column; }
.summary dt { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.summary dd { margin: 0; font-weight: 600; }
.status { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; font-weight: 600; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin: 18px 0; }
section h2 { margin: 0 0 12px; font-size: 18px; }
section h2 small { font-weight: 400; color: var(--muted); font-size: 13px; margin-left: 8px; }
.charts { display: flex; flex-wrap: wrap; gap: 18px 32px; align-items: flex-start; }
figure { margin: 0; max-width: 100%; overflow-x: auto; }
figcaption { font-weight: 600; margin-bottom: 6px; }
figure svg { display: block; max-width: none; }
table { border-collapse: collapse; font-size: 13px; margin: 4px 0 8px; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
th { font-weight: 600; color: var(--muted); background: #fafbfc; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td code, dd code { font-size: 12px; }
.wide { overflow-x: auto; }
.error { color: #b71c1c; white-space: pre-wrap; }
.note { color: var(--muted); }
footer { color: var(--muted); font-size: 12px; margin: 24px 0; }
`;

/** The whole document: inline CSS, no scripts, no external resources. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}
