import { createWriteStream, existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchOut, bestOfInterleaved, fixed, genoflowCli, intArg, printTable } from '../lib.js';

/*
 * Start-up and streaming throughput of the engine itself.
 *   node dist/bench/engine/passthrough.js [--mb 1024] [--rounds 3]
 * - start-up: `genoflow validate` of a 3-stage workflow vs `node -e 0`;
 * - passthrough: a text file through `text.read - -> text.write -` vs `cat`, with stdin
 *   spooled into the work dir (as every run does) and without reading stdin (from a file path).
 */
const mb = intArg('mb', 1024);
const rounds = intArg('rounds', 3);
const dir = benchOut('engine');
const input = join(dir, `text-${mb}mb.txt`);

if (!existsSync(input) || statSync(input).size < mb << 20) {
  const out = createWriteStream(input);
  let written = 0;
  let state = 7;
  while (written < mb << 20) {
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      state = (state * 1103515245 + 12345) >>> 0;
      lines.push(`read${written + i}\t${'ACGT'[state & 3]!.repeat(30 + (state % 90))}\t+`);
    }
    const chunk = `${lines.join('\n')}\n`;
    written += chunk.length;
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}
const bytes = statSync(input).size;

writeFileSync(
  join(dir, 'three.yaml'),
  'name: three\nstages:\n  a:\n    uses: text.read\n    with: { path: x.txt }\n  b:\n    uses: shell.run\n    from: a\n    with: { command: cat }\n  c:\n    uses: text.write\n    from: b\n    with: { path: y.txt }\n',
);
writeFileSync(
  join(dir, 'passthrough.yaml'),
  'name: passthrough\nparams:\n  input: "-"\nstages:\n  read:\n    uses: text.read\n    with: { path: "${params.input}" }\n  write:\n    uses: text.write\n    from: read\n    with: { path: "-" }\n',
);

const startup = bestOfInterleaved(
  { node: 'node -e 0', validate: `node ${genoflowCli} validate three.yaml 2>/dev/null` },
  Math.max(5, rounds * 3),
  { cwd: dir },
);
printTable(
  `Start-up (best of ${Math.max(5, rounds * 3)})`,
  ['command', 'seconds', 'over node -e 0'],
  [
    ['node -e 0', fixed(startup.node!.seconds, 3), ''],
    [
      'genoflow validate (3 stages)',
      fixed(startup.validate!.seconds, 3),
      `${fixed((startup.validate!.seconds - startup.node!.seconds) * 1000, 0)} ms`,
    ],
  ],
);

const pass = bestOfInterleaved(
  {
    cat: `cat < ${input} > /dev/null`,
    stdin: `rm -rf .gf-pass && node ${genoflowCli} run passthrough.yaml -q --work-dir .gf-pass < ${input} > /dev/null`,
    file: `rm -rf .gf-pass && node ${genoflowCli} run passthrough.yaml -q --work-dir .gf-pass -p input=${input} > /dev/null`,
  },
  rounds,
  { cwd: dir },
);
const rate = (s: number) => (bytes / 1048576 / s).toFixed(0);
printTable(
  `Passthrough of ${(bytes / 1048576).toFixed(0)} MB of text (best of ${rounds})`,
  ['command', 'seconds', 'MB/s', 'ratio to cat', 'peak RSS MB'],
  [
    ['cat', fixed(pass.cat!.seconds), rate(pass.cat!.seconds), '1.00', fixed(pass.cat!.maxRssMb, 0)],
    [
      'genoflow, stdin (spooled)',
      fixed(pass.stdin!.seconds),
      rate(pass.stdin!.seconds),
      fixed(pass.cat!.seconds / pass.stdin!.seconds),
      fixed(pass.stdin!.maxRssMb, 0),
    ],
    [
      'genoflow, file path',
      fixed(pass.file!.seconds),
      rate(pass.file!.seconds),
      fixed(pass.cat!.seconds / pass.file!.seconds),
      fixed(pass.file!.maxRssMb, 0),
    ],
  ],
);
