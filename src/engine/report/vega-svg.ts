import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** The look every chart shares, stages' charts included (a stage's own config wins). */
const theme = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 400 },
  title: { fontSize: 14, anchor: 'start' as const },
};

/** Charts carry their data inline: a spec that asks for a URL or file fails instead of fetching. */
const refuse = (what: string) =>
  Promise.reject(new Error(`report charts take their data inline, not from ${what}`));
const inlineOnly = { ...vega.loader(), load: refuse, sanitize: refuse, http: refuse, file: refuse };

const describe = (args: unknown[]) => args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ');

/**
 * Gives each drawn mark a `<title>` with Vega's description of it (`kmer: ACGT; frequency:
 * 0.0042`), so a reader sees the value on hover: the report runs no scripts.
 */
function withHoverTitles(svg: string): string {
  return svg.replace(
    /<(\w+)( aria-label="([^"]*)" role="graphics-symbol"[^>]*?)\/>/g,
    (_, tag: string, attributes: string, label: string) =>
      `<${tag}${attributes}><title>${label}</title></${tag}>`,
  );
}

/**
 * Renders a Vega-Lite spec (data inline) to a static SVG string in Node: nothing of
 * Vega runs when the report is viewed, so nothing can fail to load there.
 */
export async function vegaLiteSvg(spec: Record<string, unknown>): Promise<string> {
  const compiled = compile(spec as unknown as TopLevelSpec, { config: theme }).spec;
  const errors: string[] = [];
  const logger = {
    ...vega.logger(vega.Warn),
    error(...args: unknown[]) {
      errors.push(describe(args));
      return this;
    },
    warn(...args: unknown[]) {
      if (String(args[0]).startsWith('Loading failed')) errors.push(describe(args));
      return this;
    },
  };
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader: inlineOnly, logger });
  try {
    const svg = await view.toSVG();
    // Vega logs a failed load and draws on without the data: a chart missing data is an error here.
    if (errors.length) throw new Error(errors.join('; '));
    if (/href=/.test(svg)) throw new Error('report charts cannot link to or embed other resources');
    // Namespace declarations are URLs in form only; inline SVG in HTML needs none.
    return withHoverTitles(svg.replace(/ xmlns(:xlink)?="[^"]*"/g, ''));
  } finally {
    view.finalize();
  }
}
