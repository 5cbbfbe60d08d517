#!/usr/bin/env node
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { exportCommandModule } from './commands/export.js';
import { exitWith, reportError } from './exit.js';

// Each command's module is loaded only when it runs, so `validate` stays quick to start.
const command = {
  clean: () => import('./commands/clean.js'),
  dag: () => import('./commands/dag.js'),
  log: () => import('./commands/log.js'),
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
      describe: 'override a param: name=value (repeatable)',
    })
    .option('params-file', { type: 'string', describe: 'YAML file of param overrides' });

const workDirOption = <T>(y: Argv<T>) =>
  y.option('work-dir', { type: 'string', default: '.genoflow', describe: 'cache, runs and spooled stdin' });

// Nextflow users type -resume.
const argv = hideBin(process.argv).map((a) => (a === '-resume' ? '--resume' : a));

try {
  await yargs(argv)
    .scriptName('genoflow')
    .usage('$0 <command> [options]')
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
          .option('trace', { type: 'string', describe: 'copy the trace TSV here' })
          .option('report', { type: 'string', describe: 'write an HTML report of the run here' })
          .option('backend', {
            choices: ['tensorflow', 'wasm', 'cpu'] as const,
            describe: 'TensorFlow.js backend',
          }),
      async (args) =>
        (await command.run()).runCommand({
          ...args,
          workDir: resolve(args.workDir),
          logLevel: args.quiet ? 'error' : args.logLevel,
        }),
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
      'plugins',
      'list plugins and their stages',
      (y) => y,
      async () => (await command.plugins()).pluginsCommand(),
    )
    .command(
      'why <workflow> <stage>',
      'say why a stage would re-run on --resume',
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
    .command(exportCommandModule)
    .demandCommand(1, 'name a command')
    .strict()
    .fail((message, error) => {
      throw error ?? Object.assign(new Error(`${message}\nRun genoflow --help for usage.`), { exitCode: 2 });
    })
    .help()
    .parseAsync();
  exitWith(0);
} catch (error) {
  // yargs reports usage errors by throwing, some before its promise exists
  reportError(error);
}
