import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tf, useBackend } from './backend.js';
import { motifDataset, withRandomWeights } from './fixtures.js';
import { predictProbabilities } from './inference.js';
import { type ArchitectureParams, buildModel } from './models.js';
import { readOnnxMetadata, toOnnx } from './onnx-export.js';
import { onnx } from './onnx-graph.js';
import { loadOnnxRuntime, predictOnnx, runRowsOf } from './onnx-runtime.js';

const { length, rows, classes, data, shape } = await motifDataset();
const ort = await loadOnnxRuntime();

const architecture: ArchitectureParams = {
  model: 'cnn',
  'embedding-dim': 8,
  units: 6,
  filters: 7,
  'kernel-size': 4,
  layers: 1,
  heads: 2,
  'ff-dim': 12,
  dropout: 0.1,
  pooling: 'mean',
  'pool-size': 0,
  'dense-units': 0,
};

const cases: [string, Partial<ArchitectureParams>][] = [
  ['cnn', { model: 'cnn' }],
  [
    'cnn, 2 layers, local pooling and a hidden layer',
    { model: 'cnn', layers: 2, 'pool-size': 3, 'dense-units': 5 },
  ],
  ['lstm', { model: 'lstm' }],
  ['lstm, 2 layers', { model: 'lstm', layers: 2, 'dense-units': 5 }],
  ['transformer, mean pooling', { model: 'transformer' }],
  ['transformer, 2 blocks, [CLS] pooling', { model: 'transformer', layers: 2, pooling: 'cls' }],
];

/** A seeded model whose weights are larger than initial ones, so that a wrong gate or axis shows. */
function randomModel(arch: Partial<ArchitectureParams>, seed: number): tf.LayersModel {
  return withRandomWeights(buildModel({ ...architecture, ...arch }, shape, seed), seed);
}

function onnxOf(models: tf.LayersModel[], arch: Partial<ArchitectureParams>): Uint8Array {
  const params = { ...architecture, ...arch } as never;
  return toOnnx(models, { classes, spec: rows.spec, training: { length, params, genoflowVersion: '0.1.0' } });
}

/** Debian's python3-onnx: the checker's verdict (full_check runs shape inference too), then the opset. */
async function checkModel(bytes: Uint8Array): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'onnx-')), 'model.onnx');
  await writeFile(file, bytes);
  const script =
    'import onnx, sys; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print(m.opset_import[0].version)';
  return execFileSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' }).trim();
}

function largestDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

async function onnxPredictions(bytes: Uint8Array): Promise<Float32Array> {
  return predictOnnx(bytes, data.ids, data.rows, { length, classes: 2, batchSize: 64, threads: 1 });
}

describe('ONNX export', () => {
  for (const [name, arch] of cases) {
    it.skipIf(!ort)(
      `${name}: onnxruntime predicts what tfjs does (1e-5); the file passes onnx.checker`,
      async () => {
        await useBackend('wasm');
        const model = randomModel(arch, 11);
        const expected = predictProbabilities([model], data.ids, data.rows, length, 64);
        const bytes = onnxOf([model], arch);
        model.dispose();
        expect(largestDifference(await onnxPredictions(bytes), expected)).toBeLessThan(1e-5);
        expect(await checkModel(bytes)).toBe('17');
      },
    );
  }

  it.skipIf(!ort)('an ensemble exports the mean of its members', async () => {
    await useBackend('wasm');
    const members = [randomModel({ model: 'cnn' }, 21), randomModel({ model: 'cnn', 'dense-units': 4 }, 22)];
    const expected = predictProbabilities(members, data.ids, data.rows, length, 64);
    const single = predictProbabilities([members[0]!], data.ids, data.rows, length, 64);
    const bytes = onnxOf(members, { model: 'cnn' });
    for (const m of members) m.dispose();
    expect(largestDifference(single, expected)).toBeGreaterThan(1e-2); // the mean is not one member's
    expect(largestDifference(await onnxPredictions(bytes), expected)).toBeLessThan(1e-5);
    expect(await checkModel(bytes)).toBe('17');
  });

  it('metadata round trip: tokenizer spec, labels, length and params read back from the file', () => {
    const model = randomModel({ model: 'lstm' }, 3);
    const bytes = onnxOf([model], { model: 'lstm' });
    model.dispose();
    const metadata = readOnnxMetadata(bytes);
    expect(metadata.spec).toEqual(rows.spec);
    expect(metadata.classes).toEqual(['neg', 'pos']);
    expect(metadata.length).toBe(length);
    expect(metadata.params.model).toBe('lstm');
    expect(metadata.runRows).toBe(64);
  });

  it("a folded CNN's file asks for runs whose tap rows fit in 5 MiB, and a file without the key gets the same", () => {
    const model = randomModel({ model: 'cnn', filters: 128, 'kernel-size': 9 }, 4);
    const bytes = onnxOf([model], { model: 'cnn', filters: 128, 'kernel-size': 9 });
    model.dispose();
    // [rows, 9 taps, length, 128 filters] float32 per run.
    const expected = Math.min(64, Math.floor((5 << 20) / (9 * length * 128 * 4)));
    expect(readOnnxMetadata(bytes).runRows).toBe(expected);
    expect(runRowsOf(bytes)).toBe(expected);
    const older = onnx.ModelProto.decode(bytes);
    older.metadataProps = older.metadataProps.filter((p) => p.key !== 'genoflow.run-rows');
    expect(runRowsOf(onnx.ModelProto.encode(older).finish())).toBe(expected);
  });

  it('a layer it cannot translate is refused by name', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [length], units: 2 }),
        tf.layers.batchNormalization({ name: 'norm' }),
      ],
    });
    expect(() => onnxOf([model], {})).toThrow('cannot export layer BatchNormalization (norm) to ONNX');
    model.dispose();
  });
});
