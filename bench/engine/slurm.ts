import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { wrapSlurmCommands } from '../../test/slurm-commands.js';
import { benchOut, fixed, genoflowCli, intArg, measure, printTable } from '../lib.js';

/*
 * A fan-out on the local SLURM (`scripts/slurm-local.sh start`): N tasks of `cat` of a
 * 100-line file with the slurm executor, beside the same workflow on the process executor
 * (both run `genoflow exec-task` per task, so the difference is SLURM's and the executor's
 * overhead). sbatch, squeue and scancel are wrapped on PATH to count the controller calls.
 *   node dist/bench/engine/slurm.js [--tasks 1000] [--poll 2] [--cpus 8]
 * (--cpus: the process executor's; give the local SLURM node as many, SLURM_LOCAL_CPUS.)
 */
const tasks = intArg('tasks', 1000);
const pollS = intArg('poll', 2);
const cpus = intArg('cpus', 8);
const dir = benchOut('slurm');
writeFileSync(join(dir, 'input.txt'), Array.from({ length: 100 }, (_, i) => `line ${i}\n`).join(''));
writeFileSync(
  join(dir, 'wf.yaml'),
  `name: slurm-fanout\nstages:\n  cat:\n    uses: shell.run\n    each: { folds: ${tasks} }\n    with: { command: "cat input.txt" }\n    store: true\n`,
);
writeFileSync(
  join(dir, 'genoflow.config.yaml'),
  `profiles:\n  cluster:\n    executor: slurm\n    slurm:\n      poll-interval: ${pollS}s\n`,
);
const bin = join(dir, 'bin');
const calls = join(dir, 'calls.log');
wrapSlurmCommands(bin, calls);
rmSync(calls, { force: true });

const gf = (args: string) => `node ${genoflowCli} run wf.yaml -q ${args}`;
const processRun = measure(
  `rm -rf .gf-proc && ${gf(`--executor process --cpus ${cpus} --work-dir .gf-proc`)}`,
  {
    cwd: dir,
  },
);
const slurmRun = measure(
  `rm -rf .gf-slurm && PATH=${bin}:$PATH ${gf('--profile cluster --work-dir .gf-slurm')}`,
  {
    cwd: dir,
  },
);
const counted = readFileSync(calls, 'utf8').trimEnd().split('\n');
const count = (c: string) => counted.filter((l) => l.startsWith(`${c} `)).length;
const perTask = (s: number) => `${fixed((s / tasks) * 1000, 0)} ms`;
printTable(
  `${tasks} tasks of \`cat\` of a 100-line file (SLURM poll ${pollS} s; process executor --cpus ${cpus})`,
  ['executor', 'seconds', 'per task', 'engine peak MB', 'sbatch', 'squeue', 'squeue per poll'],
  [
    [
      'process',
      fixed(processRun.seconds),
      perTask(processRun.seconds),
      fixed(processRun.maxRssMb, 0),
      '',
      '',
      '',
    ],
    [
      'slurm',
      fixed(slurmRun.seconds),
      perTask(slurmRun.seconds),
      fixed(slurmRun.maxRssMb, 0),
      String(count('sbatch')),
      String(count('squeue')),
      fixed(count('squeue') / (slurmRun.seconds / pollS), 2),
    ],
  ],
);
console.log(
  `\nslurm / process wall time: ${fixed(slurmRun.seconds / processRun.seconds)}x; aim: <= 10 sbatch for 1,000 tasks, <= 1 squeue per interval`,
);
