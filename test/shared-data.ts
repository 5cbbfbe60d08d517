import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** Root of the real data set (CI has it at ../shared/data beside the checkout). */
export const sharedDataRoot = resolve(
  process.env.GENOFLOW_SHARED_DATA ?? resolve(import.meta.dirname, '../../shared/data'),
);

/** Absolute path of a file in the shared data set; fails loudly when it is missing. */
export function sharedData(relative: string): string {
  const path = resolve(sharedDataRoot, relative);
  if (!existsSync(path)) throw new Error(`shared data file missing: ${path} (set GENOFLOW_SHARED_DATA)`);
  return path;
}
