import type { PluginRegistry } from '../engine/plugin-loader.js';
import type { PortType, StageDefinition } from '../plugin-api/types.js';
import { didYouMean, type WorkflowError, WorkflowErrors } from './errors.js';
import { type LoadedWorkflow, schemaErrors } from './load.js';
import { type Params, stageParams } from './params.js';

/** One stage, resolved and checked, ready to run. */
export interface PlannedStage {
  name: string;
  uses: string;
  pluginName: string;
  pluginVersion: string;
  stage: StageDefinition<unknown, unknown>;
  /** Params after substitution, before the schema's defaults: what the user wrote. */
  rawParams: Record<string, unknown>;
  /** Params after the schema: what the stage sees. */
  params: unknown;
  /** Input port name → upstream stage name. */
  inputs: Record<string, string>;
  /** Downstream stages reading this one, with the port each reads it on. */
  consumers: { stage: string; port: string }[];
  /** Whether the output is written to the cache. */
  store: boolean;
  /** Why it is or is not stored (shown by `genoflow dag`). */
  storeReason: string;
  retries: number;
  onError: 'terminate' | 'finish';
}

export interface Plan {
  workflow: LoadedWorkflow;
  params: Params;
  /** Stages in an order where every stage comes after its inputs. */
  stages: PlannedStage[];
  byName: Map<string, PlannedStage>;
}

const portTypes = (port: string | readonly string[]): string[] =>
  (typeof port === 'string' ? [port] : [...port]).map((t) => t.replace(/\?$/, ''));
const isOptional = (port: string | readonly string[]): boolean =>
  (typeof port === 'string' ? [port] : port).some((t) => t.endsWith('?'));

export function accepts(port: string | readonly string[], given: PortType): boolean {
  const types = portTypes(port);
  return types.includes('any') || types.includes(given);
}

/**
 * Resolves every stage against the plugins and checks all that can be checked without
 * running: unknown plugins, stages and params, `from` references, cycles and port types.
 */
export async function planWorkflow(
  workflow: LoadedWorkflow,
  params: Params,
  registry: PluginRegistry,
): Promise<Plan> {
  const errors: WorkflowError[] = [];
  const stages = new Map<string, PlannedStage>();
  const specs = workflow.spec.stages;

  for (const [name, spec] of Object.entries(specs)) {
    const path = ['stages', name];
    const [pluginName, stageName] = spec.uses.split('.') as [string, string];
    const loaded = await registry.get(pluginName);
    if (!loaded) {
      errors.push(
        workflow.error(
          [...path, 'uses'],
          `stage "${name}": unknown plugin "${pluginName}"${didYouMean(pluginName, registry.names())}; known plugins: ${registry.names().join(', ')}`,
        ),
      );
      continue;
    }
    const stage = Object.hasOwn(loaded.plugin.stages, stageName)
      ? loaded.plugin.stages[stageName]
      : undefined;
    if (!stage) {
      const known = Object.keys(loaded.plugin.stages).map((s) => `${pluginName}.${s}`);
      errors.push(
        workflow.error(
          [...path, 'uses'],
          `stage "${name}": unknown stage "${spec.uses}"${didYouMean(spec.uses, known)}; ${pluginName} has ${known.join(', ')}`,
        ),
      );
      continue;
    }
    let rawParams: Record<string, unknown>;
    try {
      rawParams = stageParams(spec.with ?? {}, params, workflow, [...path, 'with'], stage.shell);
    } catch (err) {
      errors.push(err as WorkflowError);
      continue;
    }
    const parsed = stage.params.safeParse(rawParams);
    if (!parsed.success) {
      const known = paramKeys(stage);
      errors.push(...schemaErrors(parsed.error.issues, workflow, [...path, 'with'], () => known));
      continue;
    }
    stages.set(name, {
      name,
      uses: spec.uses,
      pluginName,
      pluginVersion: loaded.plugin.version,
      stage,
      rawParams,
      params: parsed.data,
      inputs: {},
      consumers: [],
      store: false,
      storeReason: '',
      retries: spec.retries ?? 0,
      onError: spec['on-error'] ?? 'terminate',
    });
  }

  for (const [name, spec] of Object.entries(specs)) {
    const planned = stages.get(name);
    if (!planned) continue;
    const ports = planned.stage.inputs;
    const portNames = Object.keys(ports);
    const fromPath = ['stages', name, 'from'];
    const errorsBefore = errors.length;
    let bindings: [string, string, (string | number)[]][] = [];
    if (spec.from === undefined) {
      // no inputs connected
    } else if (typeof spec.from === 'string') {
      const required = portNames.filter((p) => !isOptional(ports[p]!));
      if (!portNames.length) {
        errors.push(workflow.error(fromPath, `stage "${name}": ${spec.uses} is a source and takes no input`));
      } else if (portNames.length === 1 || required.length === 1) {
        bindings = [[portNames.length === 1 ? portNames[0]! : required[0]!, spec.from, fromPath]];
      } else {
        errors.push(
          workflow.error(
            fromPath,
            `stage "${name}": ${spec.uses} takes named inputs (${portNames.join(', ')}); write from: { ${portNames.map((p) => `${p}: STAGE`).join(', ')} }`,
          ),
        );
      }
    } else {
      for (const [port, upstream] of Object.entries(spec.from)) {
        if (!Object.hasOwn(ports, port)) {
          errors.push(
            workflow.error(
              [...fromPath, port],
              `stage "${name}": ${spec.uses} has no input "${port}"${didYouMean(port, portNames)}; its inputs are ${portNames.join(', ') || 'none'}`,
              'key',
            ),
          );
        } else bindings.push([port, upstream, [...fromPath, port]]);
      }
    }
    for (const [port, upstream, at] of bindings) {
      const source = stages.get(upstream);
      if (!Object.hasOwn(specs, upstream)) {
        errors.push(
          workflow.error(
            at,
            `stage "${name}": from: unknown stage "${upstream}"${didYouMean(upstream, Object.keys(specs))}`,
          ),
        );
        continue;
      }
      if (!source) continue;
      const given = source.stage.output;
      if (given === null) {
        errors.push(
          workflow.error(
            at,
            `stage "${name}": stage "${upstream}" (${source.uses}) is a sink and gives no output`,
          ),
        );
        continue;
      }
      if (!accepts(ports[port]!, given)) {
        errors.push(
          workflow.error(
            at,
            `stage "${name}": port type mismatch: "${upstream}" (${source.uses}) gives ${given}, but ${spec.uses} input "${port}" takes ${portTypes(ports[port]!).join(' | ')}`,
          ),
        );
        continue;
      }
      planned.inputs[port] = upstream;
      source.consumers.push({ stage: name, port });
    }
    // a port named in from: whose binding failed already has its error: no cascade
    const named = new Set(bindings.map(([port]) => port));
    const missing = portNames.filter((p) => !isOptional(ports[p]!) && !named.has(p));
    if (errors.length > errorsBefore) {
      // the stage's from: already has an error; a missing input would only repeat it
    } else if (missing.length && spec.from !== undefined && typeof spec.from !== 'string') {
      errors.push(
        workflow.error(
          fromPath,
          `stage "${name}": missing input ${missing.map((m) => `"${m}"`).join(', ')} of ${spec.uses}`,
        ),
      );
    } else if (missing.length && spec.from === undefined) {
      errors.push(
        workflow.error(
          ['stages', name],
          `stage "${name}": ${spec.uses} needs input ${missing.map((m) => `"${m}"`).join(', ')}: add from:`,
        ),
      );
    }
  }

  const order = topologicalOrder(stages, workflow);
  if (errors.length) throw new WorkflowErrors(errors);

  for (const planned of stages.values()) {
    const explicit = workflow.spec.stages[planned.name]!.store;
    const feedsRetry = planned.consumers.some((c) => (stages.get(c.stage)?.retries ?? 0) > 0);
    // The one rule of what is stored: `genoflow dag`, `--dry-run` and the run all read it.
    [planned.store, planned.storeReason] =
      planned.stage.output === null
        ? [false, 'sink']
        : planned.retries > 0 && planned.consumers.length > 0
          ? // Its consumers read its committed entry, so a retry never re-sends records.
            [true, 'retries']
          : explicit !== undefined
            ? [explicit, explicit ? 'store: true' : 'store: false']
            : planned.stage.expensive
              ? [true, 'expensive']
              : planned.consumers.length > 1
                ? [true, 'consumed twice']
                : feedsRetry
                  ? [true, 'feeds a stage with retries']
                  : [false, 'cheap, streamed'];
  }
  return { workflow, params, stages: order, byName: stages };
}

function paramKeys(stage: StageDefinition<unknown, unknown>): string[] {
  const shape = (stage.params as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

/** Kahn's order; a cycle is an error that prints the cycle. */
function topologicalOrder(stages: Map<string, PlannedStage>, workflow: LoadedWorkflow): PlannedStage[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const order: PlannedStage[] = [];
  const stack: string[] = [];
  const visit = (name: string): void => {
    const seen = state.get(name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(name)), name];
      throw new WorkflowErrors([workflow.error(['stages', name, 'from'], `cycle: ${cycle.join(' -> ')}`)]);
    }
    state.set(name, 'visiting');
    stack.push(name);
    const planned = stages.get(name)!;
    const upstream = Object.values(planned.inputs);
    const declared = workflow.spec.stages[name]?.from;
    const all =
      declared === undefined ? [] : typeof declared === 'string' ? [declared] : Object.values(declared);
    for (const up of new Set([...upstream, ...all])) if (stages.has(up)) visit(up);
    stack.pop();
    state.set(name, 'done');
    order.push(planned);
  };
  // Cycles are found through declared `from`s even where port checks failed.
  for (const name of stages.keys()) visit(name);
  return order;
}
