import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  benchOut,
  bestOfInterleaved,
  fixed,
  genoflowCli,
  intArg,
  measure,
  printTable,
  repoRoot,
} from '../lib.js';

/*
 * Scheduler overhead: genoflow vs Snakemake 7.21 on the same DAGs of `cat` steps, and
 * resume/dry-run decisions with everything cached vs `snakemake -n` with all outputs present,
 * and start-up vs `node -e 0` (the CLI's commands, and one task of the process executor).
 * Each ratio is printed beside the aim of issue 17.
 *   node dist/bench/engine/scheduler.js [--chain 200] [--wide 500] [--deep 5000] [--rounds 3]
 */
const chain = intArg('chain', 200);
const wide = intArg('wide', 500);
const deep = intArg('deep', 5000);
const rounds = intArg('rounds', 3);
const dir = benchOut('engine');
const lines = Array.from({ length: 100_000 }, (_, i) => `line ${i}\t${'ACGT'.repeat(4)}`).join('\n') + '\n';
writeFileSync(join(dir, 'input.txt'), lines);

/** With `unfused`, every stage is stored: no two stream to each other, so none is fused into one OS pipeline. */
function chainWorkflow(n: number, unfused = false): string {
  const name = `${unfused ? 'unfused' : 'chain'}${n}`;
  let yaml = `name: ${name}\nstages:\n  s0:\n    uses: text.read\n    with: { path: input.txt }\n`;
  for (let i = 1; i <= n; i++)
    yaml += `  s${i}:\n    uses: shell.run\n    from: s${i - 1}\n    with: { command: cat }\n${unfused ? '    store: true\n' : ''}`;
  return `${yaml}  out:\n    uses: text.write\n    from: s${n}\n    with: { path: ${name}.out }\n    store: true\n`;
}

function wideWorkflow(n: number): string {
  let yaml = `name: wide${n}\nstages:\n`;
  for (let i = 0; i < n; i++)
    yaml += `  w${i}:\n    uses: shell.run\n    with: { command: "cat input.txt > wide/out${i}.txt" }\n`;
  return yaml;
}

function chainSnakefile(n: number): string {
  let text = `rule all:\n    input: "sm-chain/s${n}.txt"\n\nrule s0:\n    input: "input.txt"\n    output: "sm-chain/s0.txt"\n    shell: "cat {input} > {output}"\n`;
  for (let i = 1; i <= n; i++) {
    text += `\nrule s${i}:\n    input: "sm-chain/s${i - 1}.txt"\n    output: "sm-chain/s${i}.txt"\n    shell: "cat {input} > {output}"\n`;
  }
  return text;
}

function wideSnakefile(n: number): string {
  return `N = ${n}\nrule all:\n    input: expand("sm-wide/out{i}.txt", i=range(N))\n\nrule w:\n    input: "input.txt"\n    output: "sm-wide/out{i}.txt"\n    shell: "cat {input} > {output}"\n`;
}

writeFileSync(join(dir, `chain${chain}.yaml`), chainWorkflow(chain));
writeFileSync(join(dir, `wide${wide}.yaml`), wideWorkflow(wide));
writeFileSync(join(dir, `chain${deep}.yaml`), chainWorkflow(deep));
writeFileSync(join(dir, `unfused${chain}.yaml`), chainWorkflow(chain, true));
writeFileSync(join(dir, 'Snakefile.chain'), chainSnakefile(chain));
writeFileSync(join(dir, 'Snakefile.wide'), wideSnakefile(wide));
const gf = (args: string) => `node ${genoflowCli} ${args}`;
const fresh = (what: string) => `rm -rf ${what}`;
measure('mkdir -p wide', { cwd: dir });

const run = bestOfInterleaved(
  {
    gfChain: `${fresh('.gf-chain')} && ${gf(`run chain${chain}.yaml -q --work-dir .gf-chain`)}`,
    gfUnfused: `${fresh('.gf-unfused')} && ${gf(`run unfused${chain}.yaml -q --work-dir .gf-unfused`)}`,
    smChain: `${fresh('sm-chain .snakemake')} && snakemake -s Snakefile.chain -c2 --quiet >/dev/null 2>&1`,
    bashChain: `cat input.txt ${'| cat '.repeat(chain)} > bash-chain.out`,
    gfWide: `${fresh('.gf-wide')} && ${gf(`run wide${wide}.yaml -q --work-dir .gf-wide`)}`,
    smWide: `${fresh('sm-wide .snakemake')} && snakemake -s Snakefile.wide -c2 --quiet >/dev/null 2>&1`,
  },
  rounds,
  { cwd: dir },
);
const deepRun = measure(`${fresh('.gf-deep')} && ${gf(`run chain${deep}.yaml -q --work-dir .gf-deep`)}`, {
  cwd: dir,
});
const sameOutput = measure(
  `cmp chain${chain}.out input.txt && cmp unfused${chain}.out input.txt && cmp sm-chain/s${chain}.txt input.txt && cmp chain${deep}.out input.txt`,
  { cwd: dir },
);
void sameOutput;

printTable(
  `Running: ${chain}-stage chain and ${wide} independent stages of \`cat\` over 100,000 lines (best of ${rounds})`,
  [
    'DAG',
    'genoflow s',
    'Snakemake 7.21 s',
    'bash pipeline s',
    'Snakemake / genoflow (aim)',
    'genoflow / bash (aim)',
  ],
  [
    [
      `chain of ${chain}`,
      fixed(run.gfChain!.seconds),
      fixed(run.smChain!.seconds),
      fixed(run.bashChain!.seconds),
      `${fixed(run.smChain!.seconds / run.gfChain!.seconds, 1)}x (>= 5x)`,
      `${fixed(run.gfChain!.seconds / run.bashChain!.seconds, 1)}x (<= 3x)`,
    ],
    [
      `chain of ${chain}, unfused (each stored)`,
      fixed(run.gfUnfused!.seconds),
      fixed(run.smChain!.seconds),
      fixed(run.bashChain!.seconds),
      `${fixed(run.smChain!.seconds / run.gfUnfused!.seconds, 1)}x`,
      `${fixed(run.gfUnfused!.seconds / run.bashChain!.seconds, 1)}x`,
    ],
    [
      `${wide} independent`,
      fixed(run.gfWide!.seconds),
      fixed(run.smWide!.seconds),
      '',
      `${fixed(run.smWide!.seconds / run.gfWide!.seconds, 1)}x (>= 10x)`,
      '',
    ],
    [`chain of ${deep}`, fixed(deepRun.seconds), 'fails (RecursionError at 500)', '', '', ''],
  ],
);

const decide = bestOfInterleaved(
  {
    gfChainResume: gf(`run chain${chain}.yaml -q --resume --work-dir .gf-chain`),
    gfChainDry: gf(`run chain${chain}.yaml --dry-run --work-dir .gf-chain > /dev/null`),
    smChainDry: 'snakemake -s Snakefile.chain -n --quiet >/dev/null 2>&1',
    gfWideResume: gf(`run wide${wide}.yaml -q --resume --work-dir .gf-wide`),
    gfWideDry: gf(`run wide${wide}.yaml --dry-run --work-dir .gf-wide > /dev/null`),
    smWideDry: 'snakemake -s Snakefile.wide -n --quiet >/dev/null 2>&1',
  },
  rounds,
  { cwd: dir },
);
const deepResume = measure(gf(`run chain${deep}.yaml -q --resume --work-dir .gf-deep`), { cwd: dir });
const deepDry = measure(gf(`run chain${deep}.yaml --dry-run --work-dir .gf-deep > /dev/null`), { cwd: dir });
printTable(
  `Everything cached: deciding and finishing (best of ${rounds})`,
  [
    'DAG',
    'genoflow --resume s',
    'genoflow --dry-run s',
    'snakemake -n s',
    'snakemake -n / genoflow --resume (aim >= 5x)',
    'snakemake -n / genoflow --dry-run (aim >= 5x)',
  ],
  [
    [
      `chain of ${chain}`,
      fixed(decide.gfChainResume!.seconds),
      fixed(decide.gfChainDry!.seconds),
      fixed(decide.smChainDry!.seconds),
      `${fixed(decide.smChainDry!.seconds / decide.gfChainResume!.seconds, 1)}x`,
      `${fixed(decide.smChainDry!.seconds / decide.gfChainDry!.seconds, 1)}x`,
    ],
    [
      `${wide} independent`,
      fixed(decide.gfWideResume!.seconds),
      fixed(decide.gfWideDry!.seconds),
      fixed(decide.smWideDry!.seconds),
      `${fixed(decide.smWideDry!.seconds / decide.gfWideResume!.seconds, 1)}x`,
      `${fixed(decide.smWideDry!.seconds / decide.gfWideDry!.seconds, 1)}x`,
    ],
    [`chain of ${deep}`, fixed(deepResume.seconds), fixed(deepDry.seconds), 'cannot build', '', ''],
  ],
);

const examples = join(repoRoot, 'workflows/promoter-classifier.yaml');
// One task of the process and slurm executors is a child `genoflow exec-task TASK.json`:
// a run of a two-stage workflow on the process executor leaves one to time again.
writeFileSync(join(dir, 'two-lines.txt'), 'line 1\nline 2\n');
writeFileSync(
  join(dir, 'one-task.yaml'),
  'name: one-task\nstages:\n  lines:\n    uses: text.read\n    with: { path: two-lines.txt }\n' +
    '  out:\n    uses: text.write\n    from: lines\n    with: { path: one-task.out }\n',
);
measure(`${fresh('.gf-one')} && ${gf('run one-task.yaml -q --executor process --work-dir .gf-one')}`, {
  cwd: dir,
});
const [oneRun] = readdirSync(join(dir, '.gf-one/runs'));
const taskFile = join(dir, '.gf-one/runs', oneRun!, 'tasks/1.task.json');
const startup = bestOfInterleaved(
  {
    node: 'node -e 0',
    version: gf('--version'),
    validate: gf(`validate ${examples}`),
    plugins: gf('plugins'),
    dag: gf(`dag ${examples}`),
    execTask: gf(`exec-task ${taskFile}`),
  },
  Math.max(rounds, 5),
  { cwd: dir },
);
const overNode = (name: string) => startup[name]!.seconds - startup.node!.seconds;
const row = (label: string, name: string) => [
  label,
  fixed(startup[name]!.seconds, 3),
  fixed(overNode(name), 3),
  `${fixed(startup[name]!.seconds / startup.node!.seconds, 1)}x`,
];
printTable(
  `Start-up (best of ${Math.max(rounds, 5)}): aim <= 0.25 s over \`node -e 0\` (${fixed(startup.node!.seconds, 3)} s)`,
  ['command', 'seconds', 'over node -e 0', '/ node -e 0'],
  [
    row('genoflow --version', 'version'),
    row('genoflow validate promoter-classifier.yaml', 'validate'),
    row('genoflow plugins', 'plugins'),
    row('genoflow dag promoter-classifier.yaml', 'dag'),
    row('genoflow exec-task (a 2-line task, its work included)', 'execTask'),
  ],
);
