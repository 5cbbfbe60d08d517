import { describe, expect, it } from 'vitest';
import { vegaLiteSvg } from '../../src/engine/report/vega-svg.js';

describe('vegaLiteSvg', () => {
  it('draws a spec with inline data to a static SVG with no URL in it', async () => {
    const svg = await vegaLiteSvg({
      data: {
        values: [
          { x: 'a', y: 3 },
          { x: 'b', y: 5 },
        ],
      },
      mark: 'bar',
      encoding: { x: { field: 'x', type: 'nominal' }, y: { field: 'y', type: 'quantitative' } },
    });
    expect(svg).toMatch(/^<svg /);
    expect(svg).not.toMatch(/https?:/);
    expect(svg.match(/<path aria-label="x: [ab]; y: [35]"/g)).toHaveLength(2);
  });

  it('refuses a spec that would load its data from a URL', async () => {
    await expect(vegaLiteSvg({ data: { url: 'https://example.org/x.json' }, mark: 'point' })).rejects.toThrow(
      /take their data inline, not from https:\/\/example.org\/x.json/,
    );
  });

  it('refuses a spec that would embed an image from elsewhere', async () => {
    await expect(
      vegaLiteSvg({
        data: { values: [{}] },
        mark: 'image',
        encoding: { url: { value: 'https://example.org/x.png' } },
      }),
    ).rejects.toThrow(/cannot link to or embed/);
  });
});
