import { readFileSync } from 'node:fs';
import { isMap, isScalar, parseDocument } from 'yaml';
import { z } from 'zod';

/** One line of a params listing: what a user types, what it takes, what it defaults to. */
export interface ParamDoc {
  name: string;
  type: string;
  default?: string;
  description?: string;
}

interface JsonSchemaNode {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  items?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
  properties?: Record<string, JsonSchemaNode>;
}

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** `integer >= 1`, `head|tail|centre`, `string | number`, `list of string`. */
function typeOf(node: JsonSchemaNode): string {
  if (node.enum) return node.enum.map(show).join('|');
  if (node.const !== undefined) return show(node.const);
  const options = node.anyOf ?? node.oneOf;
  if (options) return [...new Set(options.map(typeOf))].join(' | ');
  const type = Array.isArray(node.type) ? node.type.join(' | ') : (node.type ?? 'any');
  if (type === 'array') return `list of ${node.items ? typeOf(node.items) : 'any'}`;
  if (type === 'object') return 'map';
  const safe = (n: number | undefined) => n !== undefined && Math.abs(n) < Number.MAX_SAFE_INTEGER;
  const low = safe(node.minimum) ? node.minimum : undefined;
  const high = safe(node.maximum) ? node.maximum : undefined;
  if (node.exclusiveMinimum !== undefined) return `${type} > ${node.exclusiveMinimum}`;
  if (low !== undefined && high !== undefined) return `${type} ${low}..${high}`;
  if (low !== undefined) return `${type} >= ${low}`;
  if (high !== undefined) return `${type} <= ${high}`;
  return type;
}

/** A stage's params, read from its zod schema (names, types, defaults and `.describe()` texts). */
export function stageParamDocs(schema: z.ZodType): ParamDoc[] {
  const json = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as JsonSchemaNode;
  return Object.entries(json.properties ?? {}).map(([name, node]) => ({
    name,
    type: typeOf(node),
    default: node.default === undefined ? undefined : show(node.default),
    description: node.description,
  }));
}

/**
 * A workflow's description and params: each default, and the comment written beside it
 * or on the lines above it (`epochs: 12  # passes over the training set`).
 */
export function workflowParamDocs(file: string): { name?: string; description?: string; params: ParamDoc[] } {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const name = doc.get('name');
  const description = doc.get('description');
  const params = doc.get('params', true);
  const rows: ParamDoc[] = [];
  if (isMap(params)) {
    for (const [i, pair] of params.items.entries()) {
      if (!isScalar(pair.key)) continue;
      const value = pair.value;
      // The comment above the first param belongs to the map.
      const above = i === 0 ? (params.commentBefore ?? pair.key.commentBefore) : pair.key.commentBefore;
      const comment = [above, isScalar(value) ? value.comment : undefined]
        .filter((c): c is string => !!c)
        .map((c) => c.trim())
        .join(' ');
      const plain = isScalar(value) ? value.value : (value as { toJSON?: () => unknown } | null)?.toJSON?.();
      rows.push({
        name: String(pair.key.value),
        type: plain === null ? 'any' : Array.isArray(plain) ? 'list' : typeof plain,
        default: plain === null || plain === undefined ? undefined : show(plain),
        description: comment || undefined,
      });
    }
  }
  return {
    name: typeof name === 'string' ? name : undefined,
    description: typeof description === 'string' ? description.trim() : undefined,
    params: rows,
  };
}

/** Aligned columns: name, type, default, description (one param a line). */
export function formatParamDocs(rows: readonly ParamDoc[], indent = '  '): string[] {
  const width = (cells: string[], cap: number) => Math.min(cap, Math.max(0, ...cells.map((c) => c.length)));
  const defaults = rows.map((r) => (r.default === undefined ? '' : `default ${r.default}`));
  const nameWidth = width(
    rows.map((r) => r.name),
    24,
  );
  const typeWidth = width(
    rows.map((r) => r.type),
    24,
  );
  const defaultWidth = width(defaults, 32);
  return rows.map((r, i) =>
    `${indent}${r.name.padEnd(nameWidth)}  ${r.type.padEnd(typeWidth)}  ${defaults[i]!.padEnd(defaultWidth)}  ${r.description ?? ''}`.trimEnd(),
  );
}
