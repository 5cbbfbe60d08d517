/** A usage error: exit 2, one sentence. */
const usage = (message: string) => Object.assign(new Error(message), { exitCode: 2 });

/** Nextflow options that take an optional file, and genoflow's option and default file. */
const withFile: Record<string, [string, string]> = {
  '-with-report': ['--report', 'report.html'],
  '-with-trace': ['--trace', 'trace.tsv'],
};
const renamed: Record<string, string> = {
  '-resume': '--resume',
  '-preview': '--dry-run',
  '-params-file': '--params-file',
  '-profile': '--profile',
  '-c': '--config',
  '-config': '--config',
  '-w': '--work-dir',
  '-work-dir': '--work-dir',
};
const refused: Record<string, string> = {
  '-with-dag':
    'genoflow has no -with-dag: print the DAG with `genoflow dag WORKFLOW` (mermaid, or --format dot)',
  '-with-timeline': 'genoflow has no -with-timeline: the HTML report of --report FILE has the timeline',
};

/**
 * Nextflow users type `-resume`, `-params-file f`, `-w dir`, `-with-report`: they become
 * genoflow's options; a Nextflow option genoflow lacks, or any other single-dash word, is
 * refused in one sentence naming what to use (yargs would read `-profile` as six letters).
 */
export function translateNextflowFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const [flag, value] =
      arg.startsWith('-') && !arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg];
    if (flag! in renamed) out.push(renamed[flag!]!, ...(value === undefined ? [] : [value]));
    else if (flag! in withFile) {
      const [option, fallback] = withFile[flag!]!;
      const next = argv[i + 1];
      // the file is optional, as in Nextflow; a workflow file or an option after it is not it
      const takesNext =
        value === undefined && next !== undefined && !next.startsWith('-') && !/\.ya?ml$/.test(next);
      out.push(option, value ?? (takesNext ? argv[++i]! : fallback));
    } else if (flag! in refused) throw usage(refused[flag!]!);
    else if (/^-[A-Za-z][\w-]+$/.test(flag!)) {
      throw usage(`unknown option ${flag}: genoflow's options start with two dashes (see genoflow --help)`);
    } else out.push(arg);
  }
  return out;
}
