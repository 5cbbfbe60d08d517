/**
 * ISM benchmark: in-silico mutagenesis sequences/s on 251-bp sequences (4-mer tokens, 248 a
 * row, vocabulary 261), every single-base substitution (753 mutants a sequence), for a CNN
 * (embedding 64 → Conv1D 128 × 9 → global max pool → softmax) naive (every mutant through
 * the whole model) and fast (only the reached window recomputed), and for the transformer
 * (2 blocks, 64 wide, 4 heads, mean pooling; naive: it has no fast mode). Models are
 * untrained and seeded. Beside each, a naive ISM in PyTorch (/usr/bin/python3, 2 threads)
 * on the same weights and sequences in the same run; its scores are checked against tfjs's.
 * Run: `node dist/bench/ml/ism.js` (env BENCH_SEQUENCES, default 8 for the CNN and an eighth
 * of it for the transformer; BENCH_BACKEND = auto | wasm | cpu | node).
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../plugins/tfjs/backend.js';
import { fastIsm, type IsmInput, type IsmScores, naiveIsm } from '../../plugins/tfjs/interpret/ism.js';
import { basesRow, type RowLayout } from '../../plugins/tfjs/interpret/token-bases.js';
import { type ArchitectureParams, buildModel } from '../../plugins/tfjs/models.js';
import { Rng } from '../../src/plugin-api/random.js';

const cnnSequences = Number(process.env.BENCH_SEQUENCES ?? 8);
const bp = 251;
const k = 4;
const layout: RowLayout = { k, first: 0, length: bp - k + 1 };
const backend = await useBackend((process.env.BENCH_BACKEND ?? 'auto') as 'auto');
const shape = { vocabSize: 5 + 4 ** k, length: layout.length, classes: 2 };
const common: ArchitectureParams = {
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
};

function ismInput(sequences: number): IsmInput {
  const rng = new Rng(2026);
  const bases = Array.from({ length: sequences }, () => Uint8Array.from({ length: bp }, () => rng.below(4)));
  const ids = new Int32Array(sequences * layout.length);
  for (const [r, b] of bases.entries()) ids.set(basesRow(b, layout), r * layout.length);
  return { ids, bases, layout, classIndex: 1, batchSize: 256 };
}

function timed(input: IsmInput, run: (input: IsmInput) => IsmScores[]) {
  const start = performance.now();
  const result = run(input);
  return { result, perSecond: input.bases.length / ((performance.now() - start) / 1000) };
}

function largestDifference(a: IsmScores[], b: IsmScores[]): number {
  let largest = 0;
  for (const [r, s] of a.entries()) {
    for (const [i, v] of s.alt.entries()) {
      const d = Math.abs(v - b[r]!.alt[i]!);
      if (!Number.isNaN(d)) largest = Math.max(largest, d);
    }
  }
  return largest;
}

const torchScript = String.raw`
import json, math, sys, time, torch
torch.set_num_threads(2)
a = json.load(open(sys.argv[1]))
k, L = a['k'], a['bp']
W = [torch.tensor(w, dtype=torch.float32) for w in a['weights']]
def norm(x, g, b):
    m = x.mean(-1, keepdim=True); c = x - m
    return c * torch.rsqrt((c * c).mean(-1, keepdim=True) + 1e-6) * g + b
def cnn(x):
    e, kernel, bias, dense, dense_bias = W
    h = torch.nn.functional.conv1d(e[x].transpose(1, 2), kernel.permute(2, 1, 0), bias, padding='same')
    return torch.relu(h).amax(2) @ dense + dense_bias
def transformer(x):
    h = W[0][x] + W[1][:x.shape[1]]
    for b in range(a['blocks']):
        qw, qb, kw, kb, vw, vb, ow, ob, f1w, f1b, f2w, f2b, g1, b1, g2, b2 = W[2 + 16 * b: 18 + 16 * b]
        B, T, D = h.shape; H = a['heads']
        split = lambda t: t.view(B, T, H, D // H).transpose(1, 2)
        q, kk, v = split(h @ qw + qb), split(h @ kw + kb), split(h @ vw + vb)
        context = torch.softmax(q @ kk.transpose(-1, -2) / math.sqrt(D // H), -1) @ v
        h = norm(h + context.transpose(1, 2).reshape(B, T, D) @ ow + ob, g1, b1)
        h = norm(h + torch.relu(h @ f1w + f1b) @ f2w + f2b, g2, b2)
    return h.mean(1) @ W[-2] + W[-1]
model = {'cnn': cnn, 'transformer': transformer}[a['model']]
score = lambda x: torch.softmax(model(x), 1)[:, 1]
powers = 4 ** torch.arange(k - 1, -1, -1)
def tokens(b): return 5 + (b.unfold(-1, k, 1) * powers).sum(-1)
scores = []
with torch.no_grad():
    score(tokens(torch.tensor(a['bases'][0])).unsqueeze(0))
    start = time.perf_counter()
    for seq in a['bases']:
        b = torch.tensor(seq)
        mutants = []
        for pos in range(L):
            for alt in range(4):
                if alt != seq[pos]:
                    m = b.clone(); m[pos] = alt; mutants.append(m)
        x = tokens(torch.stack(mutants))
        scores.append(torch.cat([score(x[i:i + 256]) for i in range(0, len(x), 256)]).tolist())
    seconds = time.perf_counter() - start
print(json.dumps({'perSecond': len(a['bases']) / seconds, 'scores': scores}))
`;

/** PyTorch's naive ISM of the same model, as IsmScores for comparing. */
function torchIsm(model: tf.LayersModel, name: string, input: IsmInput) {
  const argsFile = join(tmpdir(), `genoflow-ism-bench-${process.pid}.json`);
  writeFileSync(
    argsFile,
    JSON.stringify({
      k,
      bp,
      model: name,
      blocks: 2,
      heads: 4,
      weights: model.getWeights().map((w) => w.arraySync()),
      bases: input.bases.map((b) => Array.from(b)),
    }),
  );
  try {
    const out = JSON.parse(
      execFileSync('/usr/bin/python3', ['-c', torchScript, argsFile], { encoding: 'utf8' }),
    ) as {
      perSecond: number;
      scores: number[][];
    };
    const result = input.bases.map((bases, r) => {
      const alt = new Float32Array(bp * 4).fill(Number.NaN);
      let m = 0;
      for (let pos = 0; pos < bp; pos++)
        for (let b = 0; b < 4; b++) if (b !== bases[pos]) alt[pos * 4 + b] = out.scores[r]![m++]!;
      return { ref: Number.NaN, alt };
    });
    return { perSecond: out.perSecond, result };
  } finally {
    rmSync(argsFile, { force: true });
  }
}

function withoutRef(scores: IsmScores[], input: IsmInput): IsmScores[] {
  return scores.map((s, r) => ({
    ref: s.ref,
    alt: s.alt.map((v, i) => (i % 4 === input.bases[r]![Math.floor(i / 4)] ? Number.NaN : v)),
  }));
}

console.log(
  `ISM of ${bp}-bp sequences, ${3 * bp} mutants each; tfjs backend ${backend} vs PyTorch (2 threads); load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${availableParallelism()} cores\n`,
);
console.log(
  'model | sequences | method | sequences/s | vs tfjs naive | vs PyTorch naive | max |Δ score| vs tfjs naive',
);
for (const name of ['cnn', 'transformer'] as const) {
  const model = buildModel({ ...common, model: name, layers: name === 'cnn' ? 1 : 2 }, shape, 7);
  const input = ismInput(name === 'cnn' ? cnnSequences : Math.max(1, Math.round(cnnSequences / 8)));
  naiveIsm([model], ismInput(1)); // warm-up
  const naive = timed(input, (i) => naiveIsm([model], i));
  const rows: [string, { perSecond: number; result: IsmScores[] }][] = [['tfjs naive', naive]];
  if (name === 'cnn') rows.push(['tfjs fast', timed(input, (i) => fastIsm([model], i))]);
  const torch = torchIsm(model, name, input);
  rows.push(['PyTorch naive', torch]);
  for (const [method, run] of rows) {
    console.log(
      [
        name,
        input.bases.length,
        method,
        run.perSecond.toFixed(2),
        (run.perSecond / naive.perSecond).toFixed(2),
        (run.perSecond / torch.perSecond).toFixed(2),
        largestDifference(withoutRef(naive.result, input), withoutRef(run.result, input)).toExponential(2),
      ].join(' | '),
    );
  }
  model.dispose();
}
