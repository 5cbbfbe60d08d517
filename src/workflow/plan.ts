import type { PluginRegistry } from '../engine/plugin-loader.js';
import type { PortType, StageDefinition } from '../plugin-api/types.js';
import { didYouMean, WorkflowError, WorkflowErrors } from './errors.js';
import { type FanOut, type Item, resolveItems } from './items.js';
import { type LoadedWorkflow, schemaErrors } from './load.js';
import { type Params, stageParams } from './params.js';
import { parseMemory, parseTime, type Resources } from './resources.js';

/** One stage for one item (a task), or a stage that is not fanned out; resolved and checked. */
export interface PlannedStage {
  /** `profile[HG00100]` for an item's task, else the stage's name. */
  name: string;
  /** The stage of the workflow file this is (its name there). */
  group: string;
  /** The item this task runs for, in a fanned-out stage. */
  item?: Item;
  /**
   * A gathering stage: for each port, the inputs (`in[HG00100]`) it reads one after another
   * in item order, and the field each plain-object record gets its item's id in.
   */
  gather?: { tag: string; ports: Record<string, { input: string; item: string }[]> };
  resources: Resources;
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
  /** The fan-out of each fanned-out stage of the workflow file (declared or inherited), by its name. */
  fanOuts: Map<string, FanOut>;
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
  /** Where `each:` sheets, globs and BED files are found from. */
  baseDir = process.cwd(),
): Promise<Plan> {
  const errors: WorkflowError[] = [];
  const stages = new Map<string, PlannedStage>();
  const specs = workflow.spec.stages;

  const fanOuts = resolveFanOuts(workflow, params, baseDir, errors);
  /** The tasks of each stage of the file, in item order. */
  const instances = new Map<string, PlannedStage[]>();
  const seenErrors = new Set<string>();
  const addError = (err: WorkflowError) => {
    if (!seenErrors.has(err.message)) errors.push(err);
    seenErrors.add(err.message);
  };

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
    let resources: Resources;
    try {
      resources = stageResources(spec, fanOuts.has(name), (key, message) =>
        workflow.error([...path, key], `stage "${name}": ${message}`),
      );
    } catch (err) {
      errors.push(err as WorkflowError);
      continue;
    }
    const fan = fanOuts.get(name);
    const tasks: PlannedStage[] = [];
    for (const item of fan ? fan.items : [undefined]) {
      let rawParams: Record<string, unknown>;
      try {
        rawParams = stageParams(
          spec.with ?? {},
          params,
          workflow,
          [...path, 'with'],
          stage.shell,
          item?.fields,
        );
      } catch (err) {
        addError(err as WorkflowError);
        continue;
      }
      const parsed = stage.params.safeParse(rawParams);
      if (!parsed.success) {
        const known = paramKeys(stage);
        for (const err of schemaErrors(parsed.error.issues, workflow, [...path, 'with'], () => known))
          addError(item ? new WorkflowError(`${err.message} (item ${item.id})`) : err);
        continue;
      }
      const planned: PlannedStage = {
        name: item ? `${name}[${item.id}]` : name,
        group: name,
        item,
        resources,
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
      };
      stages.set(planned.name, planned);
      tasks.push(planned);
    }
    instances.set(name, tasks);
  }

  for (const [name, spec] of Object.entries(specs)) {
    const tasks = instances.get(name);
    const planned = tasks?.[0];
    if (!planned || tasks.length !== (fanOuts.get(name)?.items.length ?? 1)) continue;
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
      const sources = instances.get(upstream);
      const source = sources?.[0];
      if (!Object.hasOwn(specs, upstream)) {
        errors.push(
          workflow.error(
            at,
            `stage "${name}": from: unknown stage "${upstream}"${didYouMean(upstream, Object.keys(specs))}`,
          ),
        );
        continue;
      }
      if (!source || sources.length !== (fanOuts.get(upstream)?.items.length ?? 1)) continue;
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
      const fannedUp = fanOuts.has(upstream);
      if (spec.gather && !fannedUp) {
        errors.push(
          workflow.error(
            ['stages', name, 'gather'],
            `stage "${name}": gather: true, but "${upstream}" is not fanned out`,
          ),
        );
        continue;
      }
      for (const task of tasks) {
        if (spec.gather) {
          const gathered = sources.map((s) => ({
            input: `${port}[${s.item!.id}]`,
            item: s.item!.id,
            from: s,
          }));
          task.gather ??= { tag: typeof spec.gather === 'object' ? spec.gather.tag : 'item', ports: {} };
          task.gather.ports[port] = gathered.map(({ input, item }) => ({ input, item }));
          for (const g of gathered) {
            task.inputs[g.input] = g.from.name;
            g.from.consumers.push({ stage: task.name, port: g.input });
          }
          continue;
        }
        // Same fan-out: each item reads its own item's task; else every item reads the one stage.
        const from = fannedUp ? stages.get(`${upstream}[${task.item!.id}]`)! : source;
        task.inputs[port] = from.name;
        from.consumers.push({ stage: task.name, port });
      }
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
    const explicit = workflow.spec.stages[planned.group]!.store;
    const feedsRetry = planned.consumers.some((c) => (stages.get(c.stage)?.retries ?? 0) > 0);
    const crossesTasks = planned.consumers.some((c) => !sameTask(planned, stages.get(c.stage)!));
    // The one rule of what is stored: `genoflow dag`, `--dry-run` and the run all read it.
    [planned.store, planned.storeReason] =
      planned.stage.output === null
        ? [false, 'sink']
        : planned.retries > 0 && planned.consumers.length > 0
          ? // Its consumers read its committed entry, so a retry never re-sends records.
            [true, 'retries']
          : crossesTasks
            ? // Only stored edges cross tasks (a gather, or one stage read by every item).
              [true, 'read by other tasks']
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
  return { workflow, params, stages: order, byName: stages, fanOuts };
}

/** Whether a consumer streams from its producer inside one task: same item, and not a gather. */
export const sameTask = (producer: PlannedStage, consumer: PlannedStage) =>
  !consumer.gather && producer.item?.id === consumer.item?.id;

/** `2x`, `1.5 x` or 2 as a number; 1 when not given. */
const factorOf = (factor: string | number | undefined) =>
  typeof factor === 'string' ? Number.parseFloat(factor) : (factor ?? 1);

function stageResources(
  spec: LoadedWorkflow['spec']['stages'][string],
  fanned: boolean,
  error: (key: string, message: string) => WorkflowError,
): Resources {
  return {
    cpus: spec.cpus ?? 1,
    memory: spec.memory === undefined ? 0 : parseMemory(spec.memory, (m) => error('memory', m)),
    time: spec.time === undefined ? 0 : parseTime(spec.time, (m) => error('time', m)),
    maxParallel: spec['max-parallel'] ?? 0,
    onRetry: { memory: factorOf(spec['on-retry']?.memory), time: factorOf(spec['on-retry']?.time) },
    counted: fanned || spec.cpus !== undefined || spec.memory !== undefined,
  };
}

/**
 * The fan-out of every stage: its own `each:`, or the one of the stages it reads, until a
 * `gather: true`. A stage may not read two different fan-outs, nor fan out again.
 */
function resolveFanOuts(
  workflow: LoadedWorkflow,
  params: Params,
  baseDir: string,
  errors: WorkflowError[],
): Map<string, FanOut> {
  const specs = workflow.spec.stages;
  const fans = new Map<string, FanOut | undefined>();
  const visiting = new Set<string>();
  const fanOf = (name: string): FanOut | undefined => {
    if (fans.has(name)) return fans.get(name);
    const spec = specs[name];
    if (!spec || visiting.has(name)) return undefined; // unknown stages and cycles are reported later
    visiting.add(name);
    const from =
      spec.from === undefined ? [] : typeof spec.from === 'string' ? [spec.from] : Object.values(spec.from);
    const upstream = [...new Set(from.map(fanOf).filter((f): f is FanOut => f !== undefined))];
    let fan: FanOut | undefined;
    const at = (key: string) => ['stages', name, key];
    if (spec.each !== undefined) {
      if (spec.gather)
        errors.push(workflow.error(at('gather'), `stage "${name}": each: and gather: true together`));
      else if (upstream.length)
        errors.push(
          workflow.error(
            at('each'),
            `stage "${name}": reads "${upstream[0]!.stage}"'s fan-out already; a fan-out inside a fan-out is not supported`,
          ),
        );
      else {
        try {
          fan = { stage: name, ...resolveItems(spec.each, params, workflow, at('each'), baseDir) };
        } catch (err) {
          errors.push(err as WorkflowError);
        }
      }
    } else if (!spec.gather && upstream.length > 1) {
      errors.push(
        workflow.error(
          at('from'),
          `stage "${name}": reads two fan-outs (${upstream.map((f) => f.stage).join(', ')}); gather one of them first`,
        ),
      );
    } else if (!spec.gather) fan = upstream[0];
    visiting.delete(name);
    fans.set(name, fan);
    return fan;
  };
  const result = new Map<string, FanOut>();
  for (const name of Object.keys(specs)) {
    const fan = fanOf(name);
    if (fan) result.set(name, fan);
  }
  return result;
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
