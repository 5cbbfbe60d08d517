import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs a SLURM client command; a failure names the command and what it printed. */
async function slurm(command: string, args: string[]): Promise<string> {
  try {
    return (await run(command, args, { maxBuffer: 64 * 2 ** 20 })).stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error(`${command} not found: the slurm executor needs SLURM's client commands on PATH`);
    throw new Error(`${command} ${args.join(' ')} failed: ${(e.stderr || e.message).trim()}`);
  }
}

/** Submits a batch script; resolves with the job id (`sbatch --parsable` prints `ID[;cluster]`). */
export async function sbatch(args: string[]): Promise<string> {
  const out = (await slurm('sbatch', ['--parsable', ...args])).trim();
  const id = out.split('\n').pop()!.split(';')[0]!;
  if (!/^\d+$/.test(id)) throw new Error(`sbatch printed "${out}", not a job id`);
  return id;
}

/** One job as `squeue` shows it: each element of an array on its own (`123_4`). */
export interface QueuedJob {
  state: string;
  name: string;
}

/**
 * Every job of this user that SLURM still knows, finished ones included (kept for
 * `MinJobAge`), in one call, whatever the number of jobs.
 */
export async function squeue(): Promise<Map<string, QueuedJob>> {
  const out = await slurm('squeue', [
    '--noheader',
    '--array',
    '--states=all',
    `--user=${userInfo().username}`,
    '--format=%i|%T|%j',
  ]);
  const jobs = new Map<string, QueuedJob>();
  for (const line of out.split('\n')) {
    const [id, state, ...name] = line.trim().split('|');
    if (id && state) jobs.set(id, { state, name: name.join('|') });
  }
  return jobs;
}

/** Cancels jobs (array elements as `123_4`), in one call. */
export async function scancel(ids: string[]): Promise<void> {
  if (ids.length) await slurm('scancel', ids);
}

/**
 * What the accounting database says of a job SLURM no longer lists (`sacct`), where there is
 * accounting; undefined where there is none.
 */
export async function sacctState(id: string): Promise<{ state: string; exitCode: number } | undefined> {
  const out = await slurm('sacct', [
    '--noheader',
    '--parsable2',
    '-X',
    '-j',
    id,
    '-o',
    'State,ExitCode',
  ]).catch(() => undefined);
  const [state, exit] = out?.trim().split('\n')[0]?.split('|') ?? [];
  if (!state || !exit) return undefined;
  return { state: state.split(' ')[0]!, exitCode: Number(exit.split(':')[0]) };
}
