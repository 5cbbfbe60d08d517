import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { z } from 'zod';
import { defaultSlurmOptions, type SlurmOptions } from '../engine/executors/slurm/options.js';
import { didYouMean, WorkflowError, WorkflowErrors } from './errors.js';
import {
  type LoadedWorkflow,
  parseYaml,
  readProblem,
  schemaErrors,
  type YamlPath,
  type YamlSource,
} from './load.js';
import { parseMemory, parseTime } from './resources.js';

const resources = z.strictObject({
  cpus: z.number().int().min(1).max(4096).optional(),
  memory: z.union([z.string(), z.number().positive()]).optional(),
  time: z.union([z.string(), z.number().positive()]).optional(),
  'max-parallel': z.number().int().min(1).optional(),
});

/** Where and how the slurm executor submits (`sbatch` options), and how often it polls. */
const slurm = z.strictObject({
  partition: z.string().optional(),
  account: z.string().optional(),
  qos: z.string().optional(),
  /** More sbatch options, space-separated: `--constraint=avx2 --exclusive`. */
  'cluster-options': z.string().optional(),
  /** Between two `squeue` calls (one for all of the run's jobs). */
  'poll-interval': z.union([z.string(), z.number().positive()]).optional(),
});

const profile = z.strictObject({
  executor: z.enum(['in-process', 'process', 'slurm']).optional(),
  slurm: slurm.optional(),
  /** Resources of every stage that declares none of its own. */
  resources: resources.optional(),
  /** Per stage of the workflow: resources over what the stage declares. */
  stages: z.record(z.string(), resources).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
});

const configSchema = z.strictObject({ profiles: z.record(z.string(), profile) });

export type Profile = z.infer<typeof profile>;
type StageResources = z.infer<typeof resources>;

/** What the chosen profiles add up to, applied in the order given. */
export interface AppliedConfig {
  executor?: string;
  /** The slurm executor's options, the later profile's over the earlier's. */
  slurm?: SlurmOptions;
  /** Params from the profiles, with where each was set (for errors). */
  params: { name: string; value: unknown; error: (message: string) => WorkflowError }[];
}

export const defaultConfigName = 'genoflow.config.yaml';

/**
 * Reads `--config FILE` (or `genoflow.config.yaml` beside the workflow, if there is one),
 * applies `profiles` in order to the workflow's stages, and returns the executor and params
 * they set. Every key is checked, with `file:line:col` and did-you-mean.
 */
export async function applyConfig(
  workflow: LoadedWorkflow,
  file: string | undefined,
  profiles: readonly string[],
): Promise<AppliedConfig> {
  const path = file ?? join(dirname(workflow.path), defaultConfigName);
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (file === undefined && err.code === 'ENOENT') return undefined;
    throw new WorkflowError(`cannot read config ${file}: ${readProblem(err)}`);
  });
  if (text === undefined) {
    if (profiles.length)
      throw new WorkflowError(
        `--profile ${profiles.join(',')}: no ${defaultConfigName} beside ${workflow.file} (or pass --config FILE)`,
      );
    return { params: [] };
  }
  const display = relative(process.cwd(), path).startsWith('..') ? path : relative(process.cwd(), path);
  const { data, source } = parseYaml(text, display);
  const parsed = configSchema.safeParse(data ?? {});
  if (!parsed.success) {
    throw new WorkflowErrors(schemaErrors(parsed.error.issues, source, [], (p) => knownKeys(p)));
  }
  const known = Object.keys(parsed.data.profiles);
  const applied: AppliedConfig = { params: [] };
  const errors: WorkflowError[] = [];
  for (const name of profiles) {
    const chosen = parsed.data.profiles[name];
    if (!chosen) {
      errors.push(
        new WorkflowError(
          `unknown profile "${name}"${didYouMean(name, known)}; ${display} has ${known.join(', ') || 'none'}`,
        ),
      );
      continue;
    }
    const at = ['profiles', name];
    if (chosen.executor) applied.executor = chosen.executor;
    if (chosen.slurm) {
      const given = chosen.slurm;
      const before = applied.slurm ?? defaultSlurmOptions;
      let pollMs = before.pollMs;
      try {
        if (given['poll-interval'] !== undefined)
          pollMs = parseTime(given['poll-interval'], (m) =>
            source.error([...at, 'slurm', 'poll-interval'], m),
          );
      } catch (err) {
        errors.push(err as WorkflowError);
      }
      applied.slurm = {
        partition: given.partition ?? before.partition,
        account: given.account ?? before.account,
        qos: given.qos ?? before.qos,
        clusterOptions: given['cluster-options']?.split(/\s+/).filter(Boolean) ?? before.clusterOptions,
        pollMs,
      };
    }
    for (const spec of Object.values(workflow.spec.stages)) {
      const own = {
        cpus: spec.cpus,
        memory: spec.memory,
        time: spec.time,
        'max-parallel': spec['max-parallel'],
      };
      for (const [key, value] of Object.entries(chosen.resources ?? {})) {
        if (own[key as keyof StageResources] === undefined) Object.assign(spec, { [key]: value });
      }
    }
    for (const [stage, overrides] of Object.entries(chosen.stages ?? {})) {
      const spec = workflow.spec.stages[stage];
      if (!spec) {
        errors.push(
          source.error(
            [...at, 'stages', stage],
            `profile "${name}": the workflow has no stage "${stage}"${didYouMean(stage, Object.keys(workflow.spec.stages))}`,
            'key',
          ),
        );
        continue;
      }
      Object.assign(spec, overrides);
    }
    errors.push(...resourceErrors(chosen, source, at));
    for (const [param, value] of Object.entries(chosen.params ?? {})) {
      applied.params.push({
        name: param,
        value,
        error: (message) => source.error([...at, 'params', param], `profile "${name}": ${message}`, 'key'),
      });
    }
  }
  if (errors.length) throw new WorkflowErrors(errors);
  return applied;
}

/** A memory or time a profile gives is checked where it is written. */
function resourceErrors(chosen: Profile, source: YamlSource, at: YamlPath): WorkflowError[] {
  const errors: WorkflowError[] = [];
  const check = (r: StageResources | undefined, path: YamlPath) => {
    for (const [key, parse] of [
      ['memory', parseMemory],
      ['time', parseTime],
    ] as const) {
      const value = r?.[key];
      if (value === undefined) continue;
      try {
        parse(value, (message) => source.error([...path, key], message));
      } catch (err) {
        errors.push(err as WorkflowError);
      }
    }
  };
  check(chosen.resources, [...at, 'resources']);
  for (const [stage, r] of Object.entries(chosen.stages ?? {})) check(r, [...at, 'stages', stage]);
  return errors;
}

function knownKeys(path: YamlPath): readonly string[] {
  if (path.length === 0) return Object.keys(configSchema.shape);
  if (path.length === 2) return Object.keys(profile.shape);
  return Object.keys(resources.shape);
}
