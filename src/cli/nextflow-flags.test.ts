import { describe, expect, it } from 'vitest';
import { translateNextflowFlags } from './nextflow-flags.js';

describe('translateNextflowFlags', () => {
  it('renames Nextflow options, with a value after them or after =', () => {
    expect(translateNextflowFlags(['run', 'wf.yaml', '-resume', '-w', 'wd', '-params-file=p.yaml'])).toEqual([
      'run',
      'wf.yaml',
      '--resume',
      '--work-dir',
      'wd',
      '--params-file',
      'p.yaml',
    ]);
  });

  it('-preview is --dry-run', () => {
    expect(translateNextflowFlags(['run', 'wf.yaml', '-preview'])).toEqual(['run', 'wf.yaml', '--dry-run']);
  });

  it('-with-report and -with-trace take an optional file, as in Nextflow', () => {
    expect(translateNextflowFlags(['run', '-with-report', 'wf.yaml'])).toEqual([
      'run',
      '--report',
      'report.html',
      'wf.yaml',
    ]);
    expect(translateNextflowFlags(['run', 'wf.yaml', '-with-report', 'r.html', '-with-trace'])).toEqual([
      'run',
      'wf.yaml',
      '--report',
      'r.html',
      '--trace',
      'trace.tsv',
    ]);
    expect(translateNextflowFlags(['run', 'wf.yaml', '-with-trace', '-q'])).toEqual([
      'run',
      'wf.yaml',
      '--trace',
      'trace.tsv',
      '-q',
    ]);
  });

  it('leaves genoflow options, short flags and everything after -- alone', () => {
    const argv = ['run', 'wf.yaml', '-p', 'x=-profile', '-q', '--resume', '--', '-profile'];
    expect(translateNextflowFlags(argv)).toEqual(argv);
  });

  it('maps -profile and -c to --profile and --config, and refuses any other single-dash word', () => {
    expect(translateNextflowFlags(['run', 'wf.yaml', '-profile', 'a,b', '-c', 'my.yaml'])).toEqual([
      'run',
      'wf.yaml',
      '--profile',
      'a,b',
      '--config',
      'my.yaml',
    ]);
    expect(() => translateNextflowFlags(['run', 'wf.yaml', '-resum'])).toThrow(
      "unknown option -resum: genoflow's options start with two dashes (see genoflow --help)",
    );
  });
});
