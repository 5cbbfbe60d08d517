import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Puts wrappers of sbatch, squeue and scancel in `bin` that append each call (`sbatch
 * --array=0-3 ...`) to `log` and run the real command: prepend `bin` to PATH to count the
 * controller calls a run makes (the slurm tests and bench/engine/slurm.ts).
 */
export function wrapSlurmCommands(bin: string, log: string): void {
  mkdirSync(bin, { recursive: true });
  for (const command of ['sbatch', 'squeue', 'scancel']) {
    const real = execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim();
    writeFileSync(join(bin, command), `#!/bin/sh\necho "${command} $*" >> '${log}'\nexec '${real}' "$@"\n`);
    chmodSync(join(bin, command), 0o755);
  }
}
