/** The `slurm:` block of a profile. */
export interface SlurmOptions {
  partition?: string;
  account?: string;
  qos?: string;
  /** More `sbatch` options, one word each. */
  clusterOptions: string[];
  /** Between two `squeue` calls. */
  pollMs: number;
}

export const defaultSlurmOptions: SlurmOptions = { clusterOptions: [], pollMs: 30_000 };
