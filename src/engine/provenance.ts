import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Plan } from '../workflow/plan.js';

/** How a result was made: recorded in run.json, shown by `genoflow log RUN` and the report. */
export interface Provenance {
  /** The command line, as a shell would take it back (`genoflow run wf.yaml -p 'x=a b'`). */
  command: string;
  /** The directory it was run from (relative paths resolve against it). */
  cwd: string;
  versions: { genoflow: string; node: string; plugins: Record<string, string> };
  /** Every workflow param after defaults, the params file and `-p`. */
  params: Record<string, unknown>;
}

/** genoflow's own version, from the package.json above this file (in src/ or in dist/src/). */
export const genoflowVersion: string = (() => {
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')).version;
  }
  return 'unknown';
})();

/** Quotes a word for sh only where it needs it. */
export const shellWord = (word: string) =>
  /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;

/** The provenance of a run of `plan` started with `argv` (the arguments after `genoflow`). */
export function provenanceOf(plan: Plan, argv: readonly string[]): Provenance {
  const plugins: Record<string, string> = {};
  for (const stage of plan.stages) plugins[stage.uses.split('.')[0]!] = stage.pluginVersion;
  return {
    command: ['genoflow', ...argv].map(shellWord).join(' '),
    cwd: process.cwd(),
    versions: { genoflow: genoflowVersion, node: process.versions.node, plugins },
    params: plan.params,
  };
}

/** `genoflow 0.1.0, node 20.20.2, plugins kmer 1.0.0, tfjs 1.0.0`. */
export function versionsLine({ versions }: Provenance): string {
  const plugins = Object.entries(versions.plugins).map(([name, v]) => `${name} ${v}`);
  return `genoflow ${versions.genoflow}, node ${versions.node}, plugins ${plugins.join(', ')}`;
}
