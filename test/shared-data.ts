import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';

/** The checkout's root, from test/ or from its compiled copy in dist/test/ (benches run that). */
const repoRoot = resolve(
  import.meta.dirname,
  basename(resolve(import.meta.dirname, '..')) === 'dist' ? '../..' : '..',
);

/** Root of the real data set (CI has it at ../shared/data beside the checkout). */
export const sharedDataRoot = resolve(
  process.env.GENOFLOW_SHARED_DATA ?? resolve(repoRoot, '../shared/data'),
);

/** Absolute path of a file in the shared data set; fails loudly when it is missing. */
export function sharedData(relative: string): string {
  const path = resolve(sharedDataRoot, relative);
  if (!existsSync(path)) throw new Error(`shared data file missing: ${path} (set GENOFLOW_SHARED_DATA)`);
  return path;
}
