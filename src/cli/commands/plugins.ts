import { dirname } from 'node:path';
import { PluginRegistry } from '../../engine/plugin-loader.js';
import type { InputPort, StageDefinition } from '../../plugin-api/types.js';
import { didYouMean } from '../../workflow/errors.js';

const port = (p: InputPort) => (typeof p === 'string' ? p : p.join('|'));

/** `(in: sequence) -> token-batch`, `(model: model, in: token-batch) -> prediction`. */
const signatureOf = (stage: StageDefinition<unknown, unknown>) => {
  const inputs = Object.entries(stage.inputs).map(([n, t]) => (n === 'in' ? port(t) : `${n}: ${port(t)}`));
  return `(${inputs.join(', ')}) -> ${stage.output ?? '()'}`;
};

/** A workflow file is named by its extension; anything else is a stage (`kmer.encode`). */
const isWorkflowFile = (target: string) => /\.ya?ml$/i.test(target);

/**
 * `genoflow plugins [WORKFLOW]`: each plugin with where it came from and its stages'
 * signatures (with a workflow, its `plugins:` and its project's packages too).
 * `genoflow plugins kmer.encode`: one stage, its ports and every param with type and default.
 */
export async function pluginsCommand(args: { target?: string }): Promise<void> {
  const workflowFile = args.target && isWorkflowFile(args.target) ? args.target : undefined;
  const stageName = args.target && !workflowFile ? args.target : undefined;
  // The YAML parser is loaded only when a workflow or a stage's param docs need it.
  const workflow = workflowFile
    ? await (await import('../../workflow/load.js')).loadWorkflow(workflowFile)
    : undefined;
  const registry = await PluginRegistry.create(
    workflow && {
      extra: workflow.spec.plugins,
      baseDir: dirname(workflow.path),
      errorAt: (index, message) => workflow.error(['plugins', index], message),
    },
  );
  const plugins = await registry.all();
  const lines: string[] = [];
  if (stageName) {
    const [pluginName, name] = stageName.split('.');
    const stage = name ? await registry.stage(pluginName!, name) : undefined;
    if (!stage) {
      const known = plugins.flatMap(({ plugin }) =>
        Object.keys(plugin.stages).map((s) => `${plugin.name}.${s}`),
      );
      throw Object.assign(
        new Error(`no stage "${stageName}"${didYouMean(stageName, known)}; see genoflow plugins`),
        {
          exitCode: 2,
        },
      );
    }
    lines.push(`${stageName}  ${signatureOf(stage)}`, `  ${stage.description}`, '', 'params:');
    const { formatParamDocs, stageParamDocs } = await import('../../workflow/param-docs.js');
    lines.push(...formatParamDocs(stageParamDocs(stage.params)));
  } else {
    for (const { plugin, source } of plugins) {
      lines.push(
        `${plugin.name} ${plugin.version}  (${source})${plugin.description ? `  ${plugin.description}` : ''}`,
      );
      for (const [name, stage] of Object.entries(plugin.stages)) {
        lines.push(
          `  ${`${plugin.name}.${name}`.padEnd(22)} ${signatureOf(stage).padEnd(44)} ${stage.description}`,
        );
      }
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (!stageName)
    process.stderr.write(
      "genoflow plugins STAGE lists a stage's params, e.g. genoflow plugins kmer.encode\n",
    );
}
