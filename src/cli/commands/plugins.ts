import { PluginRegistry } from '../../engine/plugin-loader.js';
import type { InputPort, StageDefinition } from '../../plugin-api/types.js';
import { didYouMean } from '../../workflow/errors.js';
import { formatParamDocs, stageParamDocs } from '../../workflow/param-docs.js';

const port = (p: InputPort) => (typeof p === 'string' ? p : p.join('|'));

/** `(in: sequence) -> token-batch`, `(model: model, in: token-batch) -> prediction`. */
const signatureOf = (stage: StageDefinition<unknown, unknown>) => {
  const inputs = Object.entries(stage.inputs).map(([n, t]) => (n === 'in' ? port(t) : `${n}: ${port(t)}`));
  return `(${inputs.join(', ')}) -> ${stage.output ?? '()'}`;
};

/**
 * `genoflow plugins`: every plugin with its stages' signatures, one line each.
 * `genoflow plugins kmer.encode`: one stage, its ports and every param with type and default.
 */
export async function pluginsCommand(args: { stage?: string } = {}): Promise<void> {
  const registry = await PluginRegistry.create();
  const plugins = await registry.all();
  const lines: string[] = [];
  if (args.stage) {
    const [pluginName, stageName] = args.stage.split('.');
    const stage = stageName ? await registry.stage(pluginName!, stageName) : undefined;
    if (!stage) {
      const known = plugins.flatMap(({ plugin }) =>
        Object.keys(plugin.stages).map((s) => `${plugin.name}.${s}`),
      );
      throw Object.assign(
        new Error(`no stage "${args.stage}"${didYouMean(args.stage, known)}; see genoflow plugins`),
        {
          exitCode: 2,
        },
      );
    }
    lines.push(`${args.stage}  ${signatureOf(stage)}`, `  ${stage.description}`, '', 'params:');
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
  if (!args.stage)
    process.stderr.write(
      "genoflow plugins STAGE lists a stage's params, e.g. genoflow plugins kmer.encode\n",
    );
}
