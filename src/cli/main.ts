#!/usr/bin/env node
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { genoflowVersion } from '../engine/provenance.js';
import { exitWith, reportError } from './exit.js';

// Each command's module is loaded only when it runs, so `validate` stays quick to start.
const command = {
  clean: () => import('./commands/clean.js'),
  dag: () => import('./commands/dag.js'),
  execTask: () => import('./commands/exec-task.js'),
  export: () => import('./commands/export.js'),
  log: () => import('./commands/log.js'),
  params: () => import('./commands/params.js'),
  plugins: () => import('./commands/plugins.js'),
  run: () => import('./commands/run.js'),
  validate: () => import('./commands/validate.js'),
  why: () => import('./commands/why.js'),
};

const workflowOptions = <T>(y: Argv<T>) =>
  y
    .positional('workflow', { type: 'string', demandOption: true, describe: 'workflow YAML file' })
    .option('param', {
      alias: 'p',
      type: 'string',
      array: true,
      nargs: 1, // one name=value per -p, so `-p a=1 wf.yaml` leaves wf.yaml alone
      describe:
        'override a param: name=value (repeatable); a string unless exactly a number, true, false or null',
    })
    .option('params-file', { type: 'string', describe: 'YAML file of param overrides' })
    .option('config', {
      type: 'string',
      describe: 'config file of profiles (default: genoflow.config.yaml beside the workflow)',
    })
    .option('profile', {
      type: 'string',
      array: true,
      nargs: 1,
      describe: "apply the config's profiles, in order: --profile a,b (Nextflow's -profile)",
    });

const workDirOption = <T>(y: Argv<T>) =>
  y.option('work-dir', { type: 'string', default: '.genoflow', describe: 'cache, runs and spooled stdin' });

/** yargs names an unknown `--foo-bar` twice (foo-bar, fooBar); name it once, as typed. */
function usageMessage(message: string): string {
  const unknown = /^Unknown arguments?: (.*)$/.exec(message);
  if (!unknown) return message;
  const names = unknown[1]!.split(', ');
  const camel = (name: string) => name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
  const typed = names.filter((n) => !names.some((other) => other !== n && camel(other) === n));
  const flags = typed.map((n) => (n.length > 1 ? `--${n}` : `-${n}`));
  return `unknown option${flags.length > 1 ? 's' : ''} ${flags.join(', ')}`;
}

const given = process.argv.slice(2);
const logLevelAt = given.indexOf('--log-level');
const debug = given.includes('--log-level=debug') || (logLevelAt !== -1 && given[logLevelAt + 1] === 'debug');

const wantsHelp = given.length === 0 || given.some((a) => a === '--help' || a === '-h');

// `genoflow run WF --help` ends with the workflow's own params.
const runHelpFor =
  given[0] === 'run' && given.some((a) => a === '--help' || a === '-h') ? given[1] : undefined;

async function workflowHelp(file: string): Promise<string> {
  try {
    return (await command.params()).workflowParamsText(file);
  } catch {
    return `(cannot read ${file} to list its params)`;
  }
}

/** The commands again, by what a Nextflow user comes to do (the top-level help's last part). */
const commandsByTask = `By task:
  run a pipeline      run WF [-p name=value] [--params-file F] [--profile P] [--executor E]
  resume after a fix  run WF --resume                   (Nextflow: -resume, accepted)
  what would run      run WF --dry-run; why WF STAGE    (Nextflow: -preview, accepted)
  inspect             validate WF; dag WF; params WF (or run WF --help); plugins [STAGE|WF]
  past runs           log; log RUN                      (Nextflow: nextflow log)
  housekeeping        clean [--keep N | --all]          (Nextflow: nextflow clean)
  models              export BUNDLE                     (adds model.onnx)
Nextflow's -resume, -preview, -profile, -params-file, -c, -w, -with-trace and -with-report are accepted.`;

// The by-task table keeps its lines whole in `genoflow --help`.
const topLevelHelp = given.length === 0 || (given.length === 1 && ['--help', '-h'].includes(given[0]!));

/**
 * What needs no parser answers before yargs is imported (~30 ms of start-up, even bundled):
 * `--version`, and `exec-task TASK`, the process and slurm executors' child, once per task.
 */
async function fastPath(): Promise<boolean> {
  if (given.length === 1 && given[0] === '--version') {
    process.stdout.write(`${genoflowVersion}\n`);
    return true;
  }
  if (given.length === 2 && given[0] === 'exec-task' && !given[1]!.startsWith('-')) {
    await (await command.execTask()).execTaskCommand({ task: given[1]! });
    return true;
  }
  return false;
}

/** Everything else: parsed by yargs, which runs the command. */
async function parse(): Promise<void> {
  const [{ default: yargs }, { translateNextflowFlags }] = await Promise.all([
    import('yargs'),
    import('./nextflow-flags.js'),
  ]);
  const runEpilogue = runHelpFor && !runHelpFor.startsWith('-') ? await workflowHelp(runHelpFor) : '';
  await yargs(translateNextflowFlags(given))
    .scriptName('genoflow')
    // The workflow params table after `run WF --help` keeps its lines whole. yargs renders
    // the help of every command it runs; wrapping it costs ~80 ms, so only for --help.
    .wrap(runEpilogue || !wantsHelp || topLevelHelp ? null : Math.min(80, process.stdout.columns ?? 80))
    .usage('$0 <command> [options]')
    .epilogue(commandsByTask)
    .option('log-level', { choices: ['debug', 'info', 'warn', 'error'] as const, default: 'info' as const })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'only errors on stderr' })
    .command(
      'run <workflow>',
      'run a workflow',
      (y) =>
        workDirOption(workflowOptions(y))
          .option('resume', {
            type: 'boolean',
            default: false,
            describe: 'reuse every stage whose inputs are unchanged',
          })
          .option('reuse-stdin', {
            type: 'boolean',
            default: false,
            describe: 'on --resume, replay the last spooled stdin',
          })
          .option('dry-run', {
            type: 'boolean',
            default: false,
            describe: 'print what would run or be cached, and why',
          })
          .option('threads', { type: 'number', default: cpus().length, describe: 'threads a stage may use' })
          .option('cpus', {
            type: 'number',
            default: cpus().length,
            describe: 'cpus the tasks running at once may use together (each stage declares cpus:)',
          })
          .option('memory', {
            type: 'string',
            describe:
              'memory the tasks running at once may use together, e.g. "16 GB" (default: not limited)',
          })
          .option('executor', {
            choices: ['in-process', 'process', 'slurm'] as const,
            describe:
              "where tasks run: in this process (the default), each as a child genoflow process, or each as a SLURM job (sbatch); overrides the profile's",
          })
          .option('trace', { type: 'string', describe: 'copy the trace TSV here' })
          .option('report', { type: 'string', describe: 'write an HTML report of the run here' })
          .option('backend', {
            choices: ['auto', 'node', 'wasm', 'cpu', 'onnx', 'tensorflow'] as const,
            describe:
              'backend of the tfjs stages, as their backend param and env GENOFLOW_TF_BACKEND take it (onnx: predicting only; tensorflow: deprecated name of node)',
          })
          .epilogue(runEpilogue),
      async (args) =>
        (await command.run()).runCommand({
          ...args,
          workDir: resolve(args.workDir),
          logLevel: args.quiet ? 'error' : args.logLevel,
        }),
    )
    .command(
      'exec-task <task>',
      false, // hidden: the process executor's child
      (y) => y.positional('task', { type: 'string', demandOption: true }),
      async (args) => (await command.execTask()).execTaskCommand(args),
    )
    .command(
      'validate <workflow>',
      'check a workflow without running it',
      (y) => workflowOptions(y),
      async (args) => (await command.validate()).validateCommand(args),
    )
    .command(
      'dag <workflow>',
      'print the DAG',
      (y) =>
        workflowOptions(y).option('format', {
          choices: ['mermaid', 'dot'] as const,
          default: 'mermaid' as const,
        }),
      async (args) => (await command.dag()).dagCommand(args),
    )
    .command(
      'params <workflow>',
      "list a workflow's params with their defaults",
      (y) => y.positional('workflow', { type: 'string', demandOption: true, describe: 'workflow YAML file' }),
      async (args) => (await command.params()).paramsCommand(args),
    )
    .command(
      'plugins [target]',
      'list plugins, their stages and where each came from (with a workflow: its plugins: too); with a stage (kmer.encode), its params',
      (y) => y.positional('target', { type: 'string', describe: 'workflow YAML file, or plugin.stage' }),
      async (args) => (await command.plugins()).pluginsCommand(args),
    )
    .command(
      'why <workflow> <stage>',
      'say why a stage (each of its tasks, if fanned out) would re-run on --resume',
      (y) => workDirOption(workflowOptions(y)).positional('stage', { type: 'string', demandOption: true }),
      async (args) => (await command.why()).whyCommand({ ...args, workDir: resolve(args.workDir) }),
    )
    .command(
      'log [run]',
      'list runs, or print the trace of one',
      (y) => workDirOption(y).positional('run', { type: 'string' }),
      async (args) => (await command.log()).logCommand({ ...args, workDir: resolve(args.workDir) }),
    )
    .command(
      'clean',
      'remove cache entries no longer used by recent runs',
      (y) =>
        workDirOption(y)
          .option('keep', { type: 'number', default: 1, describe: 'keep what the last N runs used' })
          .option('all', { type: 'boolean', default: false, describe: 'remove the whole cache' }),
      async (args) => (await command.clean()).cleanCommand({ ...args, workDir: resolve(args.workDir) }),
    )
    .command(
      'export <path>',
      'write portable forms of a model bundle (model.onnx)',
      (y) => y.positional('path', { type: 'string', demandOption: true, describe: 'a model bundle folder' }),
      async (args) => (await command.export()).exportCommand(args),
    )
    .demandCommand(1, 'name a command')
    .strict()
    .fail((message, error) => {
      // yargs' own complaints (YError) are usage errors; anything else a command threw
      if (error && error.name !== 'YError') throw error;
      const text = usageMessage(message ?? error?.message ?? '');
      throw Object.assign(new Error(`${text}\nRun genoflow --help for usage.`), { exitCode: 2 });
    })
    // its own version: yargs would look for a package.json from the working directory
    .version(genoflowVersion)
    .help()
    .parseAsync();
}

try {
  if (!(await fastPath())) await parse();
  exitWith(0);
} catch (error) {
  // yargs reports usage errors by throwing, some before its promise exists
  reportError(error, debug);
}
