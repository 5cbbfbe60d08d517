/**
 * Speed benchmark: training and inference samples/s of the three models (vocabulary 4,101
 * = 6-mers + 5 specials, length 128, batch 64) on TensorFlow.js beside PyTorch (Debian
 * python3-torch, 2 threads) on the same architecture, shapes and data, in one run, each
 * model's PyTorch run right after its tfjs runs so that both see about the same load.
 * tfjs trains on the main thread and data-parallel on BENCH_THREADS (default 2) worker
 * threads (its second epoch, so the workers' start-up is not counted); it infers on the
 * main thread and, as tfjs.predict does, on a pool of worker threads, a task per 256 rows.
 * The same trained model, exported as tfjs.train writes model.onnx, infers on onnxruntime-node
 * (when installed) in one session on 1 and on BENCH_THREADS intra-op threads, and as
 * tfjs.predict runs it, on BENCH_THREADS workers each holding a one-thread session (a task
 * per 256 rows, in runs of the size model.onnx names). PyTorch's inference runs in a Python
 * process kept open, one pass over the rows per request, interleaved with onnxruntime's passes
 * (one-thread session, threaded session, workers, PyTorch, again), and each keeps its best of
 * BENCH_ROUNDS (default 5) passes: on a shared machine a burst of load then hits them alike
 * and does not decide a ratio (PyTorch's two OpenMP threads slow down several-fold when
 * another process takes a core).
 * Run: `node dist/bench/ml/speed.js` (env BENCH_BATCHES = timed training batches,
 * default 6; BENCH_BACKEND = auto | wasm | cpu | node; BENCH_MODELS = a comma-separated subset of
 * lstm,cnn,transformer).
 */
import { execFileSync, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { useBackend } from '../../plugins/tfjs/backend.js';
import { silentHooks } from '../../plugins/tfjs/fixtures.js';
import { predictProbabilities } from '../../plugins/tfjs/inference.js';
import { shareModel } from '../../plugins/tfjs/model-artifacts.js';
import { toOnnx } from '../../plugins/tfjs/onnx-export.js';
import { createOnnxPredictor, loadOnnxRuntime } from '../../plugins/tfjs/onnx-runtime.js';
import type { OnnxPredictTask } from '../../plugins/tfjs/onnx-predict-worker.js';
import type { PredictTask } from '../../plugins/tfjs/predict-worker.js';
import { type TrainSettings, trainModel } from '../../plugins/tfjs/trainer.js';
import { createPool } from '../../src/plugin-api/pool.js';
import { Rng } from '../../src/plugin-api/random.js';
import { workerFile } from '../../src/plugin-api/worker-file.js';

const vocabSize = 4101;
const length = 128;
const batchSize = 64;
const trainBatches = Number(process.env.BENCH_BATCHES ?? 6);
const inferBatches = trainBatches * 4;
const threads = Number(process.env.BENCH_THREADS ?? 2);
const taskRows = 256;
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);

/** The best rows/s of `rounds` passes of `pass` over `count` rows. */
async function bestOf(count: number, pass: () => Promise<unknown>): Promise<number> {
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    await pass();
    best = Math.max(best, count / ((performance.now() - t) / 1000));
  }
  return best;
}
const backend = await useBackend((process.env.BENCH_BACKEND ?? 'auto') as 'auto');

// Deterministic data: uniform random k-mer ids, balanced labels.
const rows = inferBatches * batchSize;
const rng = new Rng(2024);
const ids = Int32Array.from({ length: rows * length }, () => 5 + rng.below(vocabSize - 5));
const labels = Int32Array.from({ length: rows }, (_, i) => i % 2);

const allArchitectures: Record<string, Partial<TrainSettings>> = {
  lstm: { model: 'lstm', 'embedding-dim': 64, units: 64, layers: 1 },
  cnn: { model: 'cnn', 'embedding-dim': 64, filters: 128, 'kernel-size': 9, layers: 1 },
  transformer: {
    model: 'transformer',
    'embedding-dim': 64,
    heads: 4,
    'ff-dim': 128,
    layers: 2,
    pooling: 'mean',
  },
};
const chosen = (process.env.BENCH_MODELS ?? Object.keys(allArchitectures).join(',')).split(',');
const architectures = Object.fromEntries(
  Object.entries(allArchitectures).filter(([name]) => chosen.includes(name)),
);
const base: TrainSettings = {
  model: 'cnn',
  'embedding-dim': 64,
  units: 64,
  filters: 128,
  'kernel-size': 9,
  layers: 1,
  heads: 4,
  'ff-dim': 128,
  dropout: 0,
  pooling: 'mean',
  'pool-size': 0,
  'dense-units': 0,
  epochs: 1,
  'batch-size': batchSize,
  'learning-rate': 0.001,
  patience: 0,
  'class-weight': 'none',
  seed: 1,
  shift: 0,
};

const hooks = silentHooks();
const shape = { vocabSize, length, classes: 2 };

async function tfjsSpeed(
  name: string,
  arch: Partial<TrainSettings>,
): Promise<{
  train: number;
  parallelTrain: number;
  infer: number;
  pooled: number;
  onnx: OnnxSpeeds | null;
  torchInfer: number;
}> {
  const settings = { ...base, ...arch };
  const slice = (n: number) => ({
    ids: ids.subarray(0, n * length),
    rows: n,
    length,
    labels: labels.subarray(0, n),
    leading: 0,
  });
  (await trainModel(settings, shape, slice(batchSize), null, hooks)).model.dispose(); // warm-up: kernels, allocations
  const parallel = await trainModel(
    { ...settings, epochs: 2 },
    shape,
    slice(trainBatches * batchSize),
    null,
    {
      ...hooks,
      threads,
    },
  );
  parallel.model.dispose();
  const { model, history } = await trainModel(settings, shape, slice(trainBatches * batchSize), null, hooks);
  predictProbabilities([model], ids, batchSize, length, batchSize);
  let started = performance.now();
  predictProbabilities([model], ids, rows, length, batchSize);
  const infer = rows / ((performance.now() - started) / 1000);
  const pooled = await pooledSpeed(model);
  const torch = await torchInferer(name);
  const onnx = (await loadOnnxRuntime()) ? await onnxSpeed(model) : null;
  const torchInfer = onnx ? onnx.torch : await bestOf(rows, torch.pass);
  torch.close();
  model.dispose();
  return {
    train: history[0]!.samplesPerSecond,
    parallelTrain: parallel.history[1]!.samplesPerSecond,
    infer,
    pooled,
    onnx,
    torchInfer,
  };

  async function onnxSpeed(trained: typeof model): Promise<OnnxSpeeds & { torch: number }> {
    const bytes = toOnnx([trained], {
      classes: ['0', '1'],
      spec: {
        kind: 'overlapping',
        k: 6,
        stride: 1,
        maxTokens: length,
        truncate: 'head',
        ambiguous: 'unk',
        addCls: false,
        vocabSize,
      },
      training: {
        length,
        params: { ...settings, 'validation-split': 0, ensemble: 1 },
        genoflowVersion: 'bench',
      },
    });
    const session = async (onnxThreads: number) => {
      const predictor = await createOnnxPredictor(bytes, {
        length,
        classes: 2,
        batchSize,
        threads: onnxThreads,
      });
      await predictor.predict(ids, batchSize); // warm-up: allocations
      return { pass: () => predictor.predict(ids, rows), close: () => predictor.dispose() };
    };
    // As tfjs.predict runs it: one-thread sessions on `threads` workers, a task per batch.
    const workers = async () => {
      const pool = createPool<OnnxPredictTask, Float32Array>({
        worker: workerFile(import.meta.url, '../../plugins/tfjs/onnx-predict-worker.js'),
        threads,
      });
      const model = new SharedArrayBuffer(bytes.byteLength);
      new Uint8Array(model).set(bytes);
      const run = (from: number, count: number) =>
        pool.run({
          key: 'bench',
          model,
          length,
          classes: 2,
          batchSize: taskRows,
          ids: ids.slice(from * length, (from + count) * length),
          rows: count,
        });
      await Promise.all(Array.from({ length: threads * 2 }, () => run(0, batchSize))); // sessions made
      const pass = () => {
        const tasks = [];
        for (let from = 0; from < rows; from += taskRows)
          tasks.push(run(from, Math.min(taskRows, rows - from)));
        return Promise.all(tasks);
      };
      return { pass, close: () => pool.close() };
    };
    const contenders = {
      one: await session(1),
      threaded: await session(threads),
      workers: await workers(),
      torch: { pass: torch.pass, close: async () => {} },
    };
    const best = { one: 0, threaded: 0, workers: 0, torch: 0 };
    for (let r = 0; r < rounds; r++) {
      for (const [key, contender] of Object.entries(contenders)) {
        const t = performance.now();
        await contender.pass();
        const speed = rows / ((performance.now() - t) / 1000);
        best[key as keyof typeof best] = Math.max(best[key as keyof typeof best], speed);
      }
    }
    for (const contender of Object.values(contenders)) await contender.close();
    return best;
  }

  async function pooledSpeed(trained: typeof model): Promise<number> {
    const pool = createPool<PredictTask, Float32Array>({
      worker: workerFile(import.meta.url, '../../plugins/tfjs/predict-worker.js'),
      threads,
    });
    const shared = await shareModel(trained);
    const run = (from: number, count: number) =>
      pool.run({
        models: [shared],
        backend,
        length,
        batchSize,
        ids: ids.slice(from * length, (from + count) * length),
        rows: count,
      });
    // Warm-up: every worker loads the backend and the model.
    await Promise.all(Array.from({ length: threads * 2 }, () => run(0, batchSize)));
    started = performance.now();
    const tasks = [];
    for (let from = 0; from < rows; from += taskRows) tasks.push(run(from, Math.min(taskRows, rows - from)));
    await Promise.all(tasks);
    const speed = rows / ((performance.now() - started) / 1000);
    await pool.close();
    return speed;
  }
}

interface OnnxSpeeds {
  /** One session, one intra-op thread. */
  one: number;
  /** One session, `threads` intra-op threads. */
  threaded: number;
  /** `threads` workers, a one-thread session each (tfjs.predict on onnx). */
  workers: number;
}

/** The three models in PyTorch (V, L from the script's data). */
const torchModels = `
class LSTM(nn.Module):
    def __init__(s): super().__init__(); s.e = nn.Embedding(V, 64); s.r = nn.LSTM(64, 64, batch_first=True); s.d = nn.Linear(64, 2)
    def forward(s, x): return s.d(s.r(s.e(x))[1][0][-1])
class CNN(nn.Module):
    def __init__(s): super().__init__(); s.e = nn.Embedding(V, 64); s.c = nn.Conv1d(64, 128, 9, padding='same'); s.d = nn.Linear(128, 2)
    def forward(s, x): return s.d(torch.relu(s.c(s.e(x).transpose(1, 2))).amax(2))
class Transformer(nn.Module):
    def __init__(s):
        super().__init__(); s.e = nn.Embedding(V, 64); s.p = nn.Parameter(torch.zeros(L, 64))
        s.t = nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 4, 128, dropout=0.0, batch_first=True), 2); s.d = nn.Linear(64, 2)
    def forward(s, x): return s.d(s.t(s.e(x) + s.p).mean(1))
`;

/** PyTorch's training speed of each model (inference: torchInferScript, interleaved with ours). */
const torchScript = `
import json, sys, time, torch, torch.nn as nn
torch.set_num_threads(2); torch.manual_seed(1)
a = json.load(open(sys.argv[1]))  # ids are too many for a command line
V, L, B, tb = a['vocab'], a['length'], a['batch'], a['trainBatches']
ids = torch.tensor(a['ids'], dtype=torch.long).view(-1, L); y = torch.tensor(a['labels'], dtype=torch.long)
${torchModels}
out = {}
for name, M in [(n, M) for n, M in [('lstm', LSTM), ('cnn', CNN), ('transformer', Transformer)] if n in a['models']]:
    m = M(); opt = torch.optim.Adam(m.parameters(), 1e-3); loss = nn.CrossEntropyLoss()
    def step(i):
        opt.zero_grad(); l = loss(m(ids[i*B:(i+1)*B]), y[i*B:(i+1)*B]); l.backward(); opt.step()
    step(0); t = time.perf_counter()
    for i in range(tb): step(i)
    out[name] = dict(train=tb * B / (time.perf_counter() - t))
print(json.dumps(out))
`;

/** PyTorch's inference server: the model built, then one pass over the rows per line read. */
const torchInferScript = `
import json, sys, time, torch, torch.nn as nn
torch.set_num_threads(2); torch.manual_seed(1)
a = json.load(open(sys.argv[1])); name = sys.argv[2]
V, L, B, ib = a['vocab'], a['length'], a['batch'], a['inferBatches']
ids = torch.tensor(a['ids'], dtype=torch.long).view(-1, L)
MODELS
m = dict(lstm=LSTM, cnn=CNN, transformer=Transformer)[name]().eval()
with torch.no_grad():
    m(ids[:B])
    print('ready', flush=True)
    for line in sys.stdin:
        t = time.perf_counter()
        for i in range(ib): m(ids[i*B:(i+1)*B])
        print(ib * B / (time.perf_counter() - t), flush=True)
`;

/** PyTorch inference of `name` in a Python process kept open: `pass` times one pass over the rows. */
async function torchInferer(name: string): Promise<{ pass(): Promise<number>; close(): void }> {
  const argsFile = torchArgs([name]);
  const script = torchInferScript.replace('MODELS', torchModels);
  const child = spawn('/usr/bin/python3', ['-c', script, argsFile, name], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await lines.next();
    if (line.done) throw new Error(`PyTorch's ${name} inference exited`);
    return line.value;
  };
  await next(); // ready
  rmSync(argsFile, { force: true });
  return {
    pass: async () => {
      child.stdin.write('go\n');
      return Number(await next());
    },
    close: () => child.stdin.end(),
  };
}

/** The bench's data for the PyTorch scripts, in a file (the ids are too many for a command line). */
function torchArgs(models: string[]): string {
  const args = JSON.stringify({
    vocab: vocabSize,
    length,
    batch: batchSize,
    trainBatches,
    inferBatches,
    models,
    ids: Array.from(ids),
    labels: Array.from(labels),
  });
  const argsFile = join(tmpdir(), `genoflow-torch-bench-${process.pid}-${models.join('-')}.json`);
  writeFileSync(argsFile, args);
  return argsFile;
}

function torchSpeed(models: string[]): Record<string, { train: number }> {
  const argsFile = torchArgs(models);
  try {
    return JSON.parse(execFileSync('/usr/bin/python3', ['-c', torchScript, argsFile], { encoding: 'utf8' }));
  } finally {
    rmSync(argsFile, { force: true });
  }
}

console.log(
  `tfjs backend ${backend} vs PyTorch (2 threads); vocab ${vocabSize}, length ${length}, batch ${batchSize}; samples/s; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${availableParallelism()} cores\n`,
);
console.log(
  `model | tfjs train (1 thread) | tfjs train (${threads} workers) | torch train | ratio (1) | ratio (${threads}) | tfjs infer (1 thread) | tfjs infer (${threads} workers) | onnx infer (1 thread) | onnx infer (${threads} threads) | onnx infer (${threads} workers) | torch infer | ratio (1) | ratio (${threads}) | onnx ratio (1) | onnx ratio (${threads} threads) | onnx ratio (${threads} workers) | load (1 min)`,
);
for (const [name, arch] of Object.entries(architectures)) {
  const ours = await tfjsSpeed(name, arch);
  const theirs = torchSpeed([name])[name]!;
  const f = (x: number) => x.toFixed(0);
  console.log(
    [
      name,
      f(ours.train),
      f(ours.parallelTrain),
      f(theirs.train),
      (ours.train / theirs.train).toFixed(3),
      (ours.parallelTrain / theirs.train).toFixed(3),
      f(ours.infer),
      f(ours.pooled),
      ours.onnx ? f(ours.onnx.one) : 'n/a',
      ours.onnx ? f(ours.onnx.threaded) : 'n/a',
      ours.onnx ? f(ours.onnx.workers) : 'n/a',
      f(ours.torchInfer),
      (ours.infer / ours.torchInfer).toFixed(3),
      (ours.pooled / ours.torchInfer).toFixed(3),
      ours.onnx ? (ours.onnx.one / ours.torchInfer).toFixed(3) : 'n/a',
      ours.onnx ? (ours.onnx.threaded / ours.torchInfer).toFixed(3) : 'n/a',
      ours.onnx ? (ours.onnx.workers / ours.torchInfer).toFixed(3) : 'n/a',
      loadavg()[0]!.toFixed(2),
    ].join(' | '),
  );
}
console.log(`peak RSS (tfjs main thread) ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
