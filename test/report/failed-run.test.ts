import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, repoRoot, tempDir, writeFile } from '../helpers.js';

const plugin = resolve(import.meta.dirname, 'fixtures/reportkit/index.js');

describe('genoflow run --report on a failed run', () => {
  it('still writes the report: FAILED status and error, stage sections, and a chart that could not be drawn', async () => {
    const dir = tempDir('report-failed');
    const wf = writeFile(
      dir,
      'wf.yaml',
      `name: report-kit
plugins: [${plugin}]
stages:
  numbers: { uses: reportkit.numbers, with: { n: 4 } }
  sum: { uses: reportkit.sum, from: numbers, with: { fail: true } }
`,
    );
    const report = join(dir, 'report.html');
    const result = await cli(['run', wf, '--work-dir', join(dir, 'work'), '--report', report], {
      cwd: repoRoot,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /genoflow: report: stage "numbers": chart "Remote data" could not be drawn: .*take their data inline/,
    );
    const html = readFileSync(report, 'utf8');
    expect(html).toMatch(/<dt>status<\/dt><dd><span class="status"[^>]*>FAILED<\/span>/);
    expect(html).toContain('stage &quot;sum&quot; failed: refusing to sum 4 numbers');
    expect(html).toMatch(
      /<tr data-stage="sum"><td>sum<\/td><td><code>reportkit.sum<\/code><\/td><td><span[^>]*>FAILED</,
    );
    // The table a stage reported, its numbers formatted as the report formats them.
    expect(html).toContain('<tr><td class="num">4</td><td class="num">16</td></tr>');
    // The chart that asked for remote data is an error in place; the failed stage's own chart is drawn.
    expect(html).toMatch(
      /<figure data-chart="remote-data"><figcaption>Remote data<\/figcaption><p class="error">/,
    );
    expect(html).toMatch(/<figure data-chart="numbers-seen"><figcaption>Numbers seen<\/figcaption><svg /);
    // The refused URL is named in the error text, and nowhere that a browser would load it.
    expect(html).not.toMatch(/<script|<link|<img|\b(?:src|href)\s*=/i);
  });
});
