/**
 * ISM benchmark: in-silico mutagenesis sequences/s of a 251-bp CNN (4-mer tokens, 248 a
 * row, vocabulary 261; embedding 64 → Conv1D 128 × 9 → global max pool → softmax, untrained,
 * seeded), every single-base substitution (753 mutants a sequence), on TensorFlow.js naive
 * (every mutant through the whole model) and fast (only the reached window recomputed),
 * beside a naive ISM in PyTorch (/usr/bin/python3, 2 threads) on the same weights and
 * sequences in the same run; the PyTorch scores are checked against tfjs's.
 * Run: `node dist/bench/ml/ism.js` (env BENCH_SEQUENCES, default 8; BENCH_BACKEND = auto | wasm | cpu | node).
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBackend } from '../../plugins/tfjs/backend.js';
import { fastIsm, type IsmInput, naiveIsm } from '../../plugins/tfjs/interpret/ism.js';
import { basesRow, type RowLayout } from '../../plugins/tfjs/interpret/token-bases.js';
import { buildModel } from '../../plugins/tfjs/models.js';
import { Rng } from '../../src/plugin-api/random.js';

const sequences = Number(process.env.BENCH_SEQUENCES ?? 8);
const bp = 251;
const k = 4;
const layout: RowLayout = { k, first: 0, length: bp - k + 1 };
const backend = await useBackend((process.env.BENCH_BACKEND ?? 'auto') as 'auto');
const model = buildModel(
  {
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
  },
  { vocabSize: 5 + 4 ** k, length: layout.length, classes: 2 },
  7,
);
const rng = new Rng(2026);
const bases = Array.from({ length: sequences }, () => Uint8Array.from({ length: bp }, () => rng.below(4)));
const ids = new Int32Array(sequences * layout.length);
for (const [r, b] of bases.entries()) ids.set(basesRow(b, layout), r * layout.length);
const input: IsmInput = { ids, bases, layout, classIndex: 1, batchSize: 256 };

function timed<T>(run: () => T): { result: T; perSecond: number } {
  const start = performance.now();
  const result = run();
  return { result, perSecond: sequences / ((performance.now() - start) / 1000) };
}

naiveIsm([model], { ...input, bases: bases.slice(0, 1), ids: ids.subarray(0, layout.length) }); // warm-up
const naive = timed(() => naiveIsm([model], input));
const fast = timed(() => fastIsm([model], input));
let fastDifference = 0;
for (const [r, s] of naive.result.entries()) {
  for (const [i, v] of s.alt.entries())
    fastDifference = Math.max(fastDifference, Math.abs(v - fast.result[r]!.alt[i]!));
}

const torchScript = String.raw`
import json, sys, time, torch, torch.nn as nn
torch.set_num_threads(2)
a = json.load(open(sys.argv[1]))
k, L, T = a['k'], a['bp'], a['tokens']
f = lambda name: torch.tensor(a[name], dtype=torch.float32)
e, w, cb, dw, db = f('embedding'), f('kernel'), f('convBias'), f('dense'), f('denseBias')
conv = nn.Conv1d(e.shape[1], w.shape[2], w.shape[0], padding='same'); conv.weight.data = w.permute(2, 1, 0).contiguous(); conv.bias.data = cb
emb = nn.Embedding.from_pretrained(e); dense = nn.Linear(dw.shape[0], dw.shape[1]); dense.weight.data = dw.t().contiguous(); dense.bias.data = db
def model(x): return torch.softmax(dense(torch.relu(conv(emb(x).transpose(1, 2))).amax(2)), 1)[:, 1]
powers = 4 ** torch.arange(k - 1, -1, -1)
def tokens(b): return 5 + (b.unfold(-1, k, 1) * powers).sum(-1)
scores = []
with torch.no_grad():
    model(tokens(torch.tensor(a['bases'][0])).unsqueeze(0))
    start = time.perf_counter()
    for seq in a['bases']:
        b = torch.tensor(seq)
        mutants = []
        for pos in range(L):
            for alt in range(4):
                if alt != seq[pos]:
                    m = b.clone(); m[pos] = alt; mutants.append(m)
        x = tokens(torch.stack(mutants))
        scores.append(torch.cat([model(x[i:i + 256]) for i in range(0, len(x), 256)]).tolist())
    seconds = time.perf_counter() - start
print(json.dumps({'perSecond': len(a['bases']) / seconds, 'scores': scores}))
`;

function torchIsm(): { perSecond: number; scores: number[][] } {
  const [embedding, kernel, convBias, dense, denseBias] = model.getWeights().map((w) => w.arraySync());
  const argsFile = join(tmpdir(), `genoflow-ism-bench-${process.pid}.json`);
  writeFileSync(
    argsFile,
    JSON.stringify({
      k,
      bp,
      tokens: layout.length,
      embedding,
      kernel,
      convBias,
      dense,
      denseBias,
      bases: bases.map((b) => Array.from(b)),
    }),
  );
  try {
    return JSON.parse(execFileSync('/usr/bin/python3', ['-c', torchScript, argsFile], { encoding: 'utf8' }));
  } finally {
    rmSync(argsFile, { force: true });
  }
}

const torch = torchIsm();
let torchDifference = 0;
naive.result.forEach((s, r) => {
  let m = 0;
  for (let pos = 0; pos < bp; pos++) {
    for (let alt = 0; alt < 4; alt++) {
      if (alt === bases[r]![pos]) continue;
      torchDifference = Math.max(torchDifference, Math.abs(s.alt[pos * 4 + alt]! - torch.scores[r]![m++]!));
    }
  }
});

console.log(
  `ISM of a ${bp}-bp CNN, ${sequences} sequences × ${3 * bp} mutants; tfjs backend ${backend} vs PyTorch (2 threads); load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${availableParallelism()} cores\n`,
);
console.log('method | sequences/s | vs tfjs naive | vs PyTorch naive');
for (const [name, speed] of [
  ['tfjs naive', naive.perSecond],
  ['tfjs fast', fast.perSecond],
  ['PyTorch naive', torch.perSecond],
] as const) {
  console.log(
    `${name} | ${speed.toFixed(1)} | ${(speed / naive.perSecond).toFixed(2)} | ${(speed / torch.perSecond).toFixed(2)}`,
  );
}
console.log(
  `\nmax |fast − naive| ${fastDifference.toExponential(2)}; max |PyTorch − tfjs| ${torchDifference.toExponential(2)}`,
);
