import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, extname, isAbsolute, relative, resolve } from 'node:path';
import type * as Tinyglobby from 'tinyglobby';
import { WorkflowError } from './errors.js';
import type { LoadedWorkflow, YamlPath } from './load.js';
import { type Params, substitute } from './params.js';

/** tinyglobby, with fdir and picomatch (~15 ms to load), only for an `each: { glob }`. */
const globSync = (pattern: string, options: Tinyglobby.GlobOptions) =>
  (createRequire(import.meta.url)('tinyglobby') as typeof Tinyglobby).globSync(pattern, options);

/** One item of a fan-out: its id (in task names, `profile[HG00100]`) and its `${each.*}` fields. */
export interface Item {
  id: string;
  fields: Record<string, unknown>;
}

/** A stage's fan-out, resolved: what it was declared as (for `dag`) and its items in order. */
export interface FanOut {
  /** The stage that declared `each:`. */
  stage: string;
  describe: string;
  items: Item[];
}

const kinds = ['sheet', 'glob', 'folds', 'regions'] as const;

/**
 * The items of an `each:`: a list (of values or maps), `{ sheet: FILE }` (TSV, or CSV by
 * extension, with a header; relative paths resolved against the sheet), `{ glob: PATTERN }`,
 * `{ folds: K }` or `{ regions: BED }`. Paths are relative to `baseDir`.
 */
export function resolveItems(
  each: unknown,
  params: Params,
  workflow: LoadedWorkflow,
  path: YamlPath,
  baseDir: string,
): { describe: string; items: Item[] } {
  const value = substitute(each, params, workflow, path);
  if (Array.isArray(value)) {
    const items = value.map((v, i) => listItem(v, workflow, [...path, i]));
    return { describe: `list of ${items.length}`, items: unique(items, workflow, path) };
  }
  if (value === null || typeof value !== 'object') {
    throw workflow.error(
      path,
      `each: expected a list, or one of { ${kinds.map((k) => `${k}: ...`).join(', ')} }`,
    );
  }
  const keys = Object.keys(value);
  const kind = keys[0] as (typeof kinds)[number];
  if (keys.length !== 1 || !kinds.includes(kind)) {
    throw workflow.error(
      keys.length ? [...path, keys.find((k) => !kinds.includes(k as never)) ?? keys[1]!] : path,
      `each: expected exactly one of ${kinds.join(', ')}`,
      'key',
    );
  }
  const arg = (value as Record<string, unknown>)[kind];
  const at = [...path, kind];
  if (kind === 'folds') {
    const k = typeof arg === 'string' ? Number(arg) : arg;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > 1000)
      throw workflow.error(
        at,
        `each.folds: expected a whole number of folds from 1 to 1000, got ${JSON.stringify(arg)}`,
      );
    const items = Array.from({ length: k }, (_, fold) => ({ id: String(fold), fields: { fold, folds: k } }));
    return { describe: `${k} folds`, items: unique(items, workflow, at) };
  }
  if (typeof arg !== 'string' || !arg) throw workflow.error(at, `each.${kind}: expected a path`);
  if (kind === 'glob') {
    const files = globSync(arg, { cwd: baseDir, onlyFiles: true }).sort();
    if (!files.length) throw workflow.error(at, `each.glob: "${arg}" matches no file`);
    const items = files.map((file) => ({
      id: basename(file, extname(file)),
      fields: { path: file, name: basename(file, extname(file)) },
    }));
    return { describe: `glob ${arg}: ${items.length}`, items: unique(items, workflow, at) };
  }
  const file = resolve(baseDir, arg);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw workflow.error(at, `each.${kind}: cannot read ${arg}: ${(err as Error).message}`);
  }
  const items = kind === 'sheet' ? sheetItems(text, arg, file, baseDir) : bedItems(text, arg);
  if (!items.length) throw workflow.error(at, `each.${kind}: ${arg} has no items`);
  return { describe: `${kind} ${arg}: ${items.length}`, items: unique(items, workflow, at) };
}

function listItem(value: unknown, workflow: LoadedWorkflow, path: YamlPath): Item {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const fields = value as Record<string, unknown>;
    const id = fields.id ?? fields.sample ?? fields.name ?? Object.values(fields)[0];
    if (id === undefined || typeof id === 'object')
      throw workflow.error(
        path,
        'each: an item map needs an id, sample or name field (or a first field that is a value)',
      );
    return { id: itemId(String(id)), fields };
  }
  if (value === null || typeof value === 'object')
    throw workflow.error(path, 'each: expected a value or a map');
  return { id: itemId(String(value)), fields: { value } };
}

/** Ids name tasks and their scratch dirs: no path separators or control characters. */
const itemId = (text: string) => text.replace(/[/\\\0-\x1f]/g, '_');

/** Checks ids are unique, and gives every item its `index` (0-based, in item order). */
function unique(items: Item[], workflow: LoadedWorkflow, path: YamlPath): Item[] {
  const seen = new Set<string>();
  for (const [index, item] of items.entries()) {
    if (seen.has(item.id)) throw workflow.error(path, `each: two items have the id "${item.id}"`);
    seen.add(item.id);
    item.fields.index ??= index;
  }
  return items;
}

/** A sample sheet: the `sample` (or `id`, else first) column is the item's id. */
function sheetItems(text: string, name: string, file: string, baseDir: string): Item[] {
  const delimiter = extname(file).toLowerCase() === '.csv' ? ',' : '\t';
  const lines = text.split(/\r?\n/);
  const header = lines[0]!.split(delimiter).map((h) => h.trim());
  if (!header[0]) throw new WorkflowError(`${name}:1: expected a header line of column names`);
  const idColumn = ['sample', 'id'].find((c) => header.includes(c)) ?? header[0];
  const items: Item[] = [];
  const seen = new Map<string, number>();
  for (const [i, line] of lines.entries()) {
    if (i === 0 || !line.trim() || line.startsWith('#')) continue;
    const cells = line.split(delimiter).map((c) => c.trim());
    if (cells.length !== header.length) {
      throw new WorkflowError(
        `${name}:${i + 1}: expected ${header.length} ${delimiter === ',' ? 'comma' : 'tab'}-separated fields (${header.join(', ')}), found ${cells.length}`,
      );
    }
    const fields: Record<string, unknown> = {};
    header.forEach((column, c) => {
      fields[column] = sheetPath(cells[c]!, dirname(file), baseDir);
    });
    const id = itemId(String(fields[idColumn]));
    if (!id) throw new WorkflowError(`${name}:${i + 1}: empty ${idColumn}`);
    if (seen.has(id))
      throw new WorkflowError(`${name}:${i + 1}: ${idColumn} "${id}" is also on line ${seen.get(id)}`);
    seen.set(id, i + 1);
    items.push({ id, fields });
  }
  return items;
}

/** A cell naming a file beside the sheet becomes that file's path from `baseDir`. */
function sheetPath(cell: string, sheetDir: string, baseDir: string): string {
  if (!cell || isAbsolute(cell) || !/[/.]/.test(cell)) return cell;
  const file = resolve(sheetDir, cell);
  return existsSync(file) ? relative(baseDir, file) : cell;
}

/** BED regions (0-based, half open) as items `chr:start-end` (1-based, closed). */
function bedItems(text: string, name: string): Item[] {
  const items: Item[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (!line.trim() || /^(#|track|browser)/.test(line)) continue;
    const [chrom, from, to] = line.split('\t');
    const start = Number(from);
    const end = Number(to);
    if (!chrom || !Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start)
      throw new WorkflowError(`${name}:${i + 1}: expected chrom, start and end (0-based, end > start)`);
    const region = `${chrom}:${start + 1}-${end}`;
    items.push({ id: region, fields: { chrom, start, end, region } });
  }
  return items;
}
