import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchOut, bestOfInterleaved, fixed, genoflowCli, intArg, measure, printTable } from '../lib.js';

/*
 * Fan-out: N tasks of a fanned-out `shell.run` (`cat` of a 100-line file), genoflow with the
 * in-process and the process executor vs Snakemake (`--cores 2`, genoflow `--cpus 2`); all
 * cached `--resume` vs `snakemake -n`; plan (`validate`) and `--dry-run` of large fan-outs.
 *   node dist/bench/engine/fanout.js [--tasks 1000] [--plan 10000,100000] [--rounds 1] [--no-process]
 * (`--no-process` leaves out the process executor: a node process per task, ~0.5 s each.)
 */
const tasks = intArg('tasks', 1000);
const rounds = intArg('rounds', 1);
const planSizes = (
  process.argv.includes('--plan') ? process.argv[process.argv.indexOf('--plan') + 1]! : '10000,100000'
)
  .split(',')
  .map(Number);
const dir = benchOut('fanout');
writeFileSync(
  join(dir, 'input.txt'),
  Array.from({ length: 100 }, (_, i) => `line ${i}\tACGTACGT\n`).join(''),
);

const sheet = (n: number) => {
  const file = `items${n}.tsv`;
  writeFileSync(join(dir, file), `sample\n${Array.from({ length: n }, (_, i) => `s${i}\n`).join('')}`);
  return file;
};
const workflow = (n: number) => {
  const file = `fanout${n}.yaml`;
  writeFileSync(
    join(dir, file),
    `name: fanout${n}
stages:
  cat:
    uses: shell.run
    each: { sheet: ${sheet(n)} }
    with: { command: "cat input.txt" }
    store: true
`,
  );
  return file;
};
const wf = workflow(tasks);
writeFileSync(
  join(dir, 'Snakefile'),
  `N = ${tasks}\nrule all:\n    input: expand("sm/out{i}.txt", i=range(N))\n\nrule w:\n    input: "input.txt"\n    output: "sm/out{i}.txt"\n    shell: "cat {input} > {output}"\n`,
);
const gf = (args: string) => `node ${genoflowCli} ${args}`;
const snakemakeVersion = measure('snakemake --version', { cwd: dir }).stdout.trim();

const withProcess = !process.argv.includes('--no-process');
const run = bestOfInterleaved(
  {
    inProcess: `rm -rf .gf-in && ${gf(`run ${wf} -q --cpus 2 --work-dir .gf-in`)}`,
    ...(withProcess && {
      process: `rm -rf .gf-proc && ${gf(`run ${wf} -q --cpus 2 --executor process --work-dir .gf-proc`)}`,
    }),
    snakemake: 'rm -rf sm .snakemake && snakemake -c2 --quiet >/dev/null 2>&1',
  },
  rounds,
  { cwd: dir },
);
const cached = bestOfInterleaved(
  {
    resume: gf(`run ${wf} -q --cpus 2 --resume --work-dir .gf-in`),
    dryRun: gf(`run ${wf} --dry-run --work-dir .gf-in > /dev/null`),
    snakemakeN: 'snakemake -n --quiet >/dev/null 2>&1',
  },
  rounds,
  { cwd: dir },
);
const sm = (s: number) => `Snakemake ${snakemakeVersion} / genoflow: ${fixed(s, 1)}x`;
printTable(
  `${tasks} tasks of \`cat\` of a 100-line file, 2 cpus (best of ${rounds})`,
  ['what', 'seconds', 'ratio'],
  [
    [
      'genoflow in-process',
      fixed(run.inProcess!.seconds),
      sm(run.snakemake!.seconds / run.inProcess!.seconds),
    ],
    withProcess
      ? ['genoflow process', fixed(run.process!.seconds), sm(run.snakemake!.seconds / run.process!.seconds)]
      : ['genoflow process', 'not run (--no-process)', ''],
    [`Snakemake ${snakemakeVersion} -c2`, fixed(run.snakemake!.seconds), ''],
    [
      'genoflow --resume, all cached',
      fixed(cached.resume!.seconds),
      sm(cached.snakemakeN!.seconds / cached.resume!.seconds),
    ],
    [
      'genoflow --dry-run, all cached',
      fixed(cached.dryRun!.seconds),
      sm(cached.snakemakeN!.seconds / cached.dryRun!.seconds),
    ],
    ['snakemake -n', fixed(cached.snakemakeN!.seconds), ''],
  ],
);

const rows: string[][] = [];
for (const n of planSizes) {
  const file = workflow(n);
  const plan = measure(gf(`validate ${file}`), { cwd: dir });
  const dry = measure(`rm -rf .gf-plan && ${gf(`run ${file} --dry-run --work-dir .gf-plan > /dev/null`)}`, {
    cwd: dir,
  });
  rows.push([
    String(n),
    fixed(plan.seconds),
    fixed(plan.maxRssMb, 0),
    fixed(dry.seconds),
    fixed(dry.maxRssMb, 0),
  ]);
}
printTable(
  'Plan and --dry-run of a fan-out (nothing cached)',
  ['tasks', 'plan s', 'plan peak MB', '--dry-run s', '--dry-run peak MB'],
  rows,
);
