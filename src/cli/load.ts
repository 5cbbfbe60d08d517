import { dirname } from 'node:path';
import type { SlurmOptions } from '../engine/executors/slurm/options.js';
import { PluginRegistry } from '../engine/plugin-loader.js';
import { applyConfig } from '../workflow/config.js';
import { loadWorkflow } from '../workflow/load.js';
import { resolveParams } from '../workflow/params.js';
import { type Plan, planWorkflow } from '../workflow/plan.js';

/** Options every command that reads a workflow takes. */
export interface WorkflowArgs {
  workflow: string;
  param?: string[];
  paramsFile?: string;
  /** A config file of profiles (default: genoflow.config.yaml beside the workflow). */
  config?: string;
  /** Profiles of the config to apply, in order. */
  profile?: string[];
}

/** Loads, resolves and checks a workflow: everything short of running it. */
export async function loadPlan(
  args: WorkflowArgs,
): Promise<{ plan: Plan; registry: PluginRegistry; executor?: string; slurm?: SlurmOptions }> {
  const workflow = await loadWorkflow(args.workflow);
  const profiles = (args.profile ?? []).flatMap((p) => p.split(',')).filter(Boolean);
  const config = await applyConfig(workflow, args.config, profiles);
  const registry = await PluginRegistry.create({
    extra: workflow.spec.plugins,
    baseDir: dirname(workflow.path),
    errorAt: (index, message) => workflow.error(['plugins', index], message),
  });
  const params = await resolveParams(workflow, {
    set: args.param,
    file: args.paramsFile,
    profiles: config.params,
  });
  const plan = await planWorkflow(workflow, params, registry);
  return { plan, registry, executor: config.executor, slurm: config.slurm };
}
