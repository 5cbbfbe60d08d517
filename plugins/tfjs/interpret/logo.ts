import type { ReportSection } from '../../../src/plugin-api/index.js';

/**
 * Sequence logos: each column's letters stacked by probability × information content
 * (2 − entropy, in bits), the likeliest on top.
 */
const COLOURS: Record<string, string> = { A: '#109648', C: '#255c99', G: '#f7b32b', T: '#d62839' };

function columnHeights(column: readonly number[]): { letter: string; height: number }[] {
  const entropy = -column.reduce((h, p) => h + (p > 0 ? p * Math.log2(p) : 0), 0);
  const information = 2 - entropy;
  return column
    .map((p, i) => ({ letter: 'ACGT'[i]!, height: p * information }))
    .sort((a, b) => a.height - b.height);
}

/** An SVG logo (30 px a column, 100 px for 2 bits); letters are glyphs scaled to their height. */
export function logoSvg(pwm: readonly number[][], title: string): string {
  const column = 30;
  const bits = 50;
  const height = 2 * bits + 30;
  let body = '';
  pwm.forEach((col, j) => {
    let y = 2 * bits + 10;
    for (const { letter, height: h } of columnHeights(col)) {
      if (h < 0.01) continue;
      const px = h * bits;
      // A capital glyph's box is about 0.72 em tall at font-size 1 em: scale it to px.
      body += `<text x="0" y="0" font-family="Arial, sans-serif" font-weight="bold" font-size="${column * 1.35}" fill="${COLOURS[letter]}" transform="translate(${j * column + 1},${y.toFixed(2)}) scale(1,${(px / (column * 1.35 * 0.72)).toFixed(4)})" textLength="${column - 2}" lengthAdjust="spacingAndGlyphs">${letter}</text>`;
      y -= px;
    }
  });
  const width = pwm.length * column;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><title>${title}</title>${body}<line x1="0" y1="${2 * bits + 10}" x2="${width}" y2="${2 * bits + 10}" stroke="#444"/></svg>\n`;
}

/** The same logo as a report chart: per position, stacked bars of letter heights labelled by letter. */
export function logoChart(pwm: readonly number[][], title: string): ReportSection {
  const values = pwm.flatMap((col, pos) =>
    columnHeights(col).map(({ letter, height }, order) => ({ pos: pos + 1, letter, bits: height, order })),
  );
  const colours = { domain: ['A', 'C', 'G', 'T'], range: ['A', 'C', 'G', 'T'].map((l) => COLOURS[l]) };
  return {
    title,
    vegaLite: {
      data: { values },
      width: Math.max(120, pwm.length * 28),
      height: 110,
      encoding: {
        x: { field: 'pos', type: 'ordinal', title: 'position' },
        y: { field: 'bits', type: 'quantitative', stack: 'zero', scale: { domain: [0, 2] }, title: 'bits' },
        order: { field: 'order' },
      },
      layer: [
        {
          mark: 'bar',
          encoding: { color: { field: 'letter', type: 'nominal', scale: colours, legend: null } },
        },
        {
          mark: { type: 'text', dy: 0, baseline: 'middle', color: 'white', fontWeight: 'bold' },
          encoding: {
            y: { field: 'bits', type: 'quantitative', stack: 'zero', bandPosition: 0.5 },
            text: { field: 'letter' },
          },
          transform: [{ filter: 'datum.bits > 0.25' }],
        },
      ],
    },
  };
}
