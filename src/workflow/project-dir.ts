import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The nearest folder at or above `from` that holds a package.json, if there is one. */
export function nearestPackageDir(from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * `${projectDir}` of a workflow, as Nextflow's `projectDir`: its project's root (the nearest
 * folder above it with a package.json), else the folder the workflow file is in. A bundled
 * workflow's sample defaults use it, so it runs from any directory.
 */
export function projectDirOf(workflowPath: string): string {
  return nearestPackageDir(dirname(workflowPath)) ?? dirname(resolve(workflowPath));
}
