import type { RunOptions } from './run-state.js';
import { StdinSpool } from './stdin.js';

/** Where a run's stdin comes from, and its content hash when it is known before anything runs. */
export interface StdinSource {
  spool: () => StdinSpool;
  knownHash?: string;
}

/**
 * Decides where stdin comes from. On a plain run it is spooled while it streams. On
 * `--resume` it must be compared with the last run's by hash before anything is decided,
 * so it is read in full first; an empty or absent stdin (or `--reuse-stdin`) replays the
 * last spool.
 */
export async function prepareStdin(options: RunOptions, id: string): Promise<StdinSource> {
  if (!options.resume) {
    let live: StdinSpool | undefined;
    return { spool: () => (live ??= StdinSpool.live(options.workDir, id, options.stdin)) };
  }
  const last = await StdinSpool.last(options.workDir);
  const readsStdin = options.plan.stages.some((s) => JSON.stringify(s.rawParams).includes('"-"'));
  if (options.reuseStdin || options.stdin.isTTY || !readsStdin) {
    if (options.reuseStdin && !last)
      throw new Error('--reuse-stdin: no earlier run of this work dir read stdin');
    const spool = last ?? StdinSpool.live(options.workDir, id, options.stdin);
    return { spool: () => spool, knownHash: last ? await last.hash : undefined };
  }
  const { spool, bytes } = await StdinSpool.full(options.workDir, id, options.stdin);
  const chosen = bytes === 0 && last ? last : spool;
  return { spool: () => chosen, knownHash: await chosen.hash };
}
