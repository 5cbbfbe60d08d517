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

/**
 * Renders a Vega-Lite spec (data inline) to a static SVG string in Node: nothing of
 * Vega runs when the report is viewed, so nothing can fail to load there.
 */
export async function vegaLiteSvg(spec: Record<string, unknown>): Promise<string> {
  const { $schema: _ignored, ...rest } = spec;
  const compiled = compile(rest as unknown as TopLevelSpec, { config: theme }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    // Namespace declarations are URLs in form only; inline SVG in HTML needs none.
    return svg.replace(/ xmlns(:xlink)?="[^"]*"/g, '');
  } finally {
    view.finalize();
  }
}
