import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { PluginDefinition, PortCodec, PortType, StageDefinition } from '../plugin-api/types.js';
import { nearestPackageDir } from '../workflow/project-dir.js';

/** A plugin and where it came from (for messages and `genoflow plugins`). */
export interface LoadedPlugin {
  plugin: PluginDefinition;
  source: string;
}

const builtinDir = fileURLToPath(new URL('../../plugins/', import.meta.url));

/** Entry module of a plugin folder: compiled JS when built, TypeScript when run from source. */
function folderEntry(dir: string): string | undefined {
  for (const name of ['index.js', 'index.ts']) if (existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

/**
 * Finds plugins in three places, and nowhere else: the built-in `plugins/` folder (loaded
 * only when a workflow uses them, so start-up stays fast), the workflow's `plugins:` list,
 * and `genoflow-plugin-*` packages in the project's own node_modules (the one beside the
 * nearest package.json). Loading a plugin runs its code, so a stray package in some parent
 * directory's node_modules is never imported.
 */
export class PluginRegistry {
  private readonly loaded = new Map<string, LoadedPlugin>();
  private readonly builtins = new Map<string, string>();

  private constructor() {
    if (!existsSync(builtinDir)) return;
    for (const name of readdirSync(builtinDir)) {
      const entry = folderEntry(join(builtinDir, name));
      if (entry) this.builtins.set(name, entry);
    }
  }

  /**
   * Loads the registry for a workflow's `plugins:` (paths resolved against `baseDir`) and
   * the package plugins of the project `projectFrom` (default `baseDir`) belongs to.
   * `errorAt(i, message)` makes the error for a bad `plugins:` entry (e.g. with its position).
   */
  static async create(
    options: {
      extra?: readonly string[];
      baseDir?: string;
      projectFrom?: string;
      errorAt?: (index: number, message: string) => Error;
    } = {},
  ) {
    const registry = new PluginRegistry();
    const baseDir = options.baseDir ?? process.cwd();
    const errorAt = options.errorAt ?? ((_: number, message: string) => new Error(message));
    for (const [index, spec] of (options.extra ?? []).entries()) {
      const problem = await registry
        .add(() => resolvePluginSpec(spec, baseDir), `plugins: ${spec}`)
        .then(
          () => undefined,
          (err: Error) => err.message,
        );
      if (problem) throw errorAt(index, `plugins entry "${spec}": ${problem}`);
    }
    const modules = projectModules(options.projectFrom ?? baseDir);
    for (const entry of modules ? findPackagePlugins(modules) : [])
      await registry.add(() => entry.file, `${entry.name} in ${modules}`);
    return registry;
  }

  /** Every plugin, built-ins included (imports all of them). */
  async all(): Promise<LoadedPlugin[]> {
    for (const name of this.builtins.keys()) await this.get(name);
    return [...this.loaded.values()].sort((a, b) => a.plugin.name.localeCompare(b.plugin.name));
  }

  /** Names of every plugin known, loaded or not. */
  names(): string[] {
    return [...new Set([...this.loaded.keys(), ...this.builtins.keys()])].sort();
  }

  async get(name: string): Promise<LoadedPlugin | undefined> {
    const found = this.loaded.get(name);
    if (found) return found;
    const entry = this.builtins.get(name);
    if (!entry) return undefined;
    const plugin = await importPlugin(entry);
    if (plugin.name !== name)
      throw new Error(`${entry}: built-in plugin folder "${name}" declares name "${plugin.name}"`);
    const loaded = { plugin, source: 'built-in' };
    this.loaded.set(name, loaded);
    return loaded;
  }

  async stage(plugin: string, stage: string): Promise<StageDefinition<unknown, unknown> | undefined> {
    const stages = (await this.get(plugin))?.plugin.stages;
    return stages && Object.hasOwn(stages, stage) ? stages[stage] : undefined;
  }

  /** The codecs the loaded plugins declare, by port type. */
  codecs(): [PortType, PortCodec<unknown>][] {
    return [...this.loaded.values()].flatMap(({ plugin }) => Object.entries(plugin.codecs ?? {}));
  }

  private async add(file: () => string, source: string): Promise<void> {
    const plugin = await importPlugin(file());
    const clash =
      this.loaded.get(plugin.name) ?? (this.builtins.has(plugin.name) ? { source: 'built-in' } : undefined);
    if (clash) {
      throw new Error(`plugin "${plugin.name}" is defined twice: by ${clash.source} and by ${source}`);
    }
    this.loaded.set(plugin.name, { plugin, source });
  }
}

function resolvePluginSpec(spec: string, baseDir: string): string {
  if (spec.startsWith('.') || isAbsolute(spec)) {
    const path = resolve(baseDir, spec);
    const entry = existsSync(path) && statSync(path).isDirectory() ? folderEntry(path) : path;
    if (!entry || !existsSync(entry)) throw new Error(`no plugin module at ${path}`);
    return entry;
  }
  const pkg = findPackageDir(spec, baseDir);
  if (!pkg) throw new Error(`package not found in node_modules (searched from ${baseDir})`);
  return packageEntry(pkg);
}

function findPackageDir(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

function packageEntry(dir: string): string {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const root = typeof pkg.exports === 'string' ? pkg.exports : (pkg.exports?.['.'] ?? pkg.exports);
  const target = typeof root === 'string' ? root : (root?.import ?? root?.default ?? pkg.main ?? 'index.js');
  return join(dir, target);
}

/** The node_modules beside the nearest package.json at or above `from`, if there is one. */
function projectModules(from: string): string | undefined {
  const project = nearestPackageDir(from);
  const modules = project && join(project, 'node_modules');
  return modules && existsSync(modules) ? modules : undefined;
}

/** `genoflow-plugin-*` and `@scope/genoflow-plugin-*` packages in one node_modules folder. */
function findPackagePlugins(modules: string): { name: string; file: string }[] {
  const found: { name: string; file: string }[] = [];
  for (const entry of readdirSync(modules).sort()) {
    const scoped = entry.startsWith('@')
      ? readdirSync(join(modules, entry)).map((n) => `${entry}/${n}`)
      : [entry];
    for (const name of scoped) {
      if (/(^|\/)genoflow-plugin-/.test(name)) found.push({ name, file: packageEntry(join(modules, name)) });
    }
  }
  return found;
}

async function importPlugin(file: string): Promise<PluginDefinition> {
  const module = await import(pathToFileURL(file).href).catch((err: Error) => {
    throw new Error(`cannot load ${file}: ${err.message.split('\n')[0]}`);
  });
  const plugin = (module.default ?? module) as PluginDefinition;
  const problem = checkPlugin(plugin);
  if (problem) throw new Error(`${file}: not a genoflow plugin: ${problem}`);
  return plugin;
}

function checkPlugin(plugin: PluginDefinition): string | undefined {
  if (!plugin || typeof plugin !== 'object') return 'the module must default-export definePlugin({...})';
  if (typeof plugin.name !== 'string' || !/^[\w-]+$/.test(plugin.name)) return 'name must be a word';
  if (typeof plugin.version !== 'string') return 'version must be a string';
  if (!plugin.stages || typeof plugin.stages !== 'object') return 'stages must be an object';
  for (const [name, stage] of Object.entries(plugin.stages)) {
    if ([stage.run, stage.load, stage.command].filter((f) => typeof f === 'function').length !== 1)
      return `stage ${name}: give one of run (a function), load (a function importing the module that exports run) or command (a function of the params giving the command line)`;
    if (!stage.params || typeof stage.params.safeParse !== 'function')
      return `stage ${name}: params must be a zod schema`;
    if (!stage.inputs || typeof stage.inputs !== 'object') return `stage ${name}: inputs must be an object`;
  }
  return undefined;
}
