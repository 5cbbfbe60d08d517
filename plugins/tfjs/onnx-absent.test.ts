import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, repoRoot, tempDir, writeFile } from '../../test/helpers.js';

// Every run here resolves modules as if onnxruntime-node were not installed.
const hook = join(repoRoot, 'plugins/tfjs/without-onnxruntime.mjs');
const env = { NODE_OPTIONS: `--import ${hook}` };
const samples = join(repoRoot, 'samples/promoters');

const predictWorkflow = (backend: string) => `name: predict-${backend}
params: { model: model }
stages:
  sequences:
    uses: seq.labelled
    with: { classes: { other: "${samples}/negatives.fa", promoter: "${samples}/positives.fa" } }
  tokens:
    uses: kmer.encode
    from: sequences
    with: { k: 4, max-tokens: 128 }
  scores:
    uses: tfjs.predict
    from: tokens
    with: { model: "\${params.model}", backend: ${backend} }
  out:
    uses: table.write
    from: scores
    with: { path: "-", columns: [id, predicted, score] }
`;

describe('without onnxruntime-node', () => {
  it('the hook hides it: onnxruntime-node cannot be imported', async () => {
    const dir = tempDir('no-ort');
    const probe = writeFile(dir, 'probe.mjs', "await import('onnxruntime-node');\n");
    const run = spawnSync('node', [probe], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Cannot find package 'onnxruntime-node'/);
  });

  it('training, evaluating and predicting run on tfjs, and backend onnx fails saying what to install', async () => {
    const out = tempDir('no-ort-run');
    const work = join(out, 'work');
    const trained = await cli(
      [
        'run',
        'workflows/promoter-classifier.yaml',
        '-p',
        'epochs=1',
        '-p',
        `outdir=${out}`,
        '--work-dir',
        work,
      ],
      { cwd: repoRoot, env },
    );
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stderr).toMatch(/\[evaluation\] tfjs backend: (wasm|cpu)\n/);
    expect(trained.stderr).toMatch(/\[evaluation\] n=160 {2}accuracy /);
    // Writing model.onnx needs only onnx-proto.
    expect(existsSync(join(out, 'model', 'model.onnx'))).toBe(true);

    const model = join(out, 'model');
    const auto = await cli(
      [
        'run',
        writeFile(out, 'auto.yaml', predictWorkflow('auto')),
        '-p',
        `model=${model}`,
        '--work-dir',
        work,
      ],
      { cwd: out, env },
    );
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stderr).toMatch(/\[scores\] tfjs backend: (wasm|cpu)\n/);
    const lines = auto.stdout.toString().trim().split('\n');
    expect(lines).toHaveLength(801); // a header and the 800 sequences
    expect(lines[0]).toBe('id\tpredicted\tscore');

    const onnx = await cli(
      [
        'run',
        writeFile(out, 'onnx.yaml', predictWorkflow('onnx')),
        '-p',
        `model=${model}`,
        '--work-dir',
        work,
      ],
      { cwd: out, env },
    );
    expect(onnx.code).toBe(1);
    expect(onnx.stderr).toContain(
      'backend "onnx" needs onnxruntime-node, which is not installed (an optional dependency: `ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node`)',
    );
  }, 240_000);
});
