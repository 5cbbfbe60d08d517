import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { PluginDefinition, PortCodec, PortType, StageDefinition } from '../plugin-api/types.js';

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
 * Finds plugins in three places: the built-in `plugins/` folder (loaded only when a
 * workflow uses them, so start-up stays fast), the workflow's `plugins:` list, and
 * `genoflow-plugin-*` packages in node_modules.
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

  /** Loads the registry for a workflow's `plugins:` (paths resolved against `baseDir`). */
  static async create(options: { extra?: readonly string[]; baseDir?: string; searchDir?: string } = {}) {
    const registry = new PluginRegistry();
    const baseDir = options.baseDir ?? process.cwd();
    for (const spec of options.extra ?? []) await registry.add(resolvePluginSpec(spec, baseDir), spec);
    for (const entry of findPackagePlugins(options.searchDir ?? process.cwd()))
      await registry.add(entry.file, entry.name);
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
    return (await this.get(plugin))?.plugin.stages[stage];
  }

  /** The codecs the loaded plugins declare, by port type. */
  codecs(): [PortType, PortCodec<unknown>][] {
    return [...this.loaded.values()].flatMap(({ plugin }) => Object.entries(plugin.codecs ?? {}));
  }

  private async add(file: string, source: string): Promise<void> {
    const plugin = await importPlugin(file);
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
    if (!entry || !existsSync(entry)) throw new Error(`plugin ${spec}: no plugin module at ${path}`);
    return entry;
  }
  const pkg = findPackageDir(spec, baseDir);
  if (!pkg) throw new Error(`plugin ${spec}: package not found in node_modules (searched from ${baseDir})`);
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

/** `genoflow-plugin-*` and `@scope/genoflow-plugin-*` packages visible from `from`. */
function findPackagePlugins(from: string): { name: string; file: string }[] {
  const found = new Map<string, string>();
  for (let dir = from; ; dir = dirname(dir)) {
    const modules = join(dir, 'node_modules');
    if (existsSync(modules)) {
      for (const entry of readdirSync(modules)) {
        const scoped = entry.startsWith('@')
          ? readdirSync(join(modules, entry)).map((n) => `${entry}/${n}`)
          : [entry];
        for (const name of scoped) {
          if (/(^|\/)genoflow-plugin-/.test(name) && !found.has(name))
            found.set(name, packageEntry(join(modules, name)));
        }
      }
    }
    if (dirname(dir) === dir) break;
  }
  return [...found].map(([name, file]) => ({ name, file }));
}

async function importPlugin(file: string): Promise<PluginDefinition> {
  const module = await import(pathToFileURL(file).href);
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
    if (typeof stage.run !== 'function') return `stage ${name}: run must be a function`;
    if (!stage.params || typeof stage.params.safeParse !== 'function')
      return `stage ${name}: params must be a zod schema`;
    if (!stage.inputs || typeof stage.inputs !== 'object') return `stage ${name}: inputs must be an object`;
  }
  return undefined;
}
