import type { PluginDefinition, StageDefinition } from './types.js';

/** Declares a plugin. A plain object, checked at load time; kept as a function for typing. */
export function definePlugin<const T extends PluginDefinition>(plugin: T): T {
  return plugin;
}

/** Declares a stage; infers the param and output types from the schema and `run` (or `load`'s module). */
export function defineStage<P, Out = never>(stage: StageDefinition<P, Out>): StageDefinition<P, Out> {
  return stage;
}
