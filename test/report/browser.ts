import { type Browser, chromium } from 'playwright-core';

export interface Figure {
  stage: string | null;
  name: string;
  /** Elements inside the SVG's marks (Vega's `.role-mark` groups, or the DAG's nodes and edges). */
  marks: number;
  texts: string[];
  /** Vega's description of each point drawn, e.g. `epoch: 1; loss: 0.692489776346; metric: loss`. */
  points: string[];
  /** What a reader sees on hovering each mark: its SVG `<title>`. */
  hovers: string[];
}

export interface Opened {
  figures: Figure[];
  /** Text of every table cell, keyed by the table's data-table (or `stages`), row by row. */
  tables: Record<string, string[][]>;
  consoleErrors: string[];
  /** Every URL the page asked for beyond the report itself, and those that failed. */
  requests: string[];
  failed: string[];
}

/** Debian's Chromium, as CI installs it (`.ci/run`), with no network to reach. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Opens a report file, reads what it drew and saves a full-page screenshot. */
export async function openReport(browser: Browser, file: string, screenshot: string): Promise<Opened> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const url = `file://${file}`;
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  const failed: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  page.on('request', (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  page.on('requestfailed', (r) => failed.push(r.url()));
  try {
    await page.goto(url, { waitUntil: 'load' });
    const figures = await page.$$eval('figure[data-chart]', (nodes) =>
      nodes.map((n) => ({
        stage: n.closest('[data-stage]')?.getAttribute('data-stage') ?? null,
        name: n.getAttribute('data-chart')!,
        marks: n.querySelectorAll('svg .role-mark > *, svg .dag-node, svg .dag-edge').length,
        texts: [...n.querySelectorAll('svg text')].map((t) => t.textContent ?? ''),
        points: [...n.querySelectorAll('svg .mark-symbol.role-mark > path')].map(
          (p) => p.getAttribute('aria-label') ?? '',
        ),
        hovers: [...n.querySelectorAll('svg .role-mark title')].map((t) => t.textContent ?? ''),
      })),
    );
    const tables = await page.$$eval('table', (nodes) =>
      Object.fromEntries(
        nodes.map((t) => [
          t.closest('[data-table]')?.getAttribute('data-table') ?? t.className,
          [...t.querySelectorAll('tbody tr')].map((tr) =>
            [...tr.querySelectorAll('td')].map((td) => td.textContent ?? ''),
          ),
        ]),
      ),
    );
    await page.screenshot({ path: screenshot, fullPage: true });
    return { figures, tables, consoleErrors, requests, failed };
  } finally {
    await page.close();
  }
}
