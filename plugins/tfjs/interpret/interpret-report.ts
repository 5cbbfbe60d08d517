import type { ReportSection } from '../../../src/plugin-api/index.js';
import type { AttributionRecord } from './interpret-run.js';

/**
 * The report's pictures of attributions: a heat strip per top sequence (position × sequence,
 * coloured by attribution, the base written in each cell) and, for ISM, the 4 × L matrix
 * of score changes of one sequence (`show`, default the best-scoring).
 */
export function attributionCharts(
  top: readonly AttributionRecord[],
  best: AttributionRecord | undefined,
  method: string,
): ReportSection[] {
  if (!top.length) return [];
  const strip = top.flatMap((r) =>
    r.scores.map((score, pos) => ({
      id: r.id,
      pos,
      base: r.bases[pos],
      score: Number.isNaN(score) ? null : score,
    })),
  );
  const sections: ReportSection[] = [
    {
      title: `Attributions (${method}) of the ${top.length} best-scoring sequences`,
      vegaLite: {
        data: { values: strip },
        width: 900,
        encoding: {
          x: { field: 'pos', type: 'ordinal', title: 'position', axis: { labelOverlap: true } },
          y: { field: 'id', type: 'nominal', sort: top.map((r) => r.id), title: null },
        },
        layer: [
          {
            mark: 'rect',
            encoding: {
              color: {
                field: 'score',
                type: 'quantitative',
                scale: { scheme: 'redblue', reverse: true, domainMid: 0 },
              },
            },
          },
          { mark: { type: 'text', fontSize: 7 }, encoding: { text: { field: 'base' } } },
        ],
      },
    },
  ];
  if (best?.ism) {
    const cells = best.ism.flatMap((value, i) => {
      const pos = Math.floor(i / 4);
      return Number.isNaN(value)
        ? []
        : [{ pos, base: 'ACGT'[i % 4], ref: best.bases[pos], delta: value - best.score }];
    });
    sections.push({
      title: `ISM of ${best.id} (score ${best.score.toFixed(4)}): score change of every substitution`,
      vegaLite: {
        data: { values: cells },
        width: 900,
        mark: 'rect',
        encoding: {
          x: { field: 'pos', type: 'ordinal', title: 'position', axis: { labelOverlap: true } },
          y: { field: 'base', type: 'nominal', sort: ['A', 'C', 'G', 'T'], title: 'alt' },
          color: {
            field: 'delta',
            type: 'quantitative',
            scale: { scheme: 'redblue', reverse: true, domainMid: 0 },
          },
          tooltip: [{ field: 'pos' }, { field: 'ref' }, { field: 'base' }, { field: 'delta' }],
        },
      },
    });
  }
  return sections;
}
