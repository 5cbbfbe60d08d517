// Part of `npm run build`, after tsc: bundles zod and yargs into one file each under
// dist/src/vendor/ and points dist's imports of them there. Node 20 has no compile cache,
// and a package of many small ES modules is slow to load: zod is 95 of them (49 are
// locales), yargs with cliui and string-width about 50. Bundled, they take ~100 ms less to
// start every command (issue 17); zod's part also comes off each task of the process and
// slurm executors. Types still come from the packages, and vitest, which runs src/, uses the
// packages as they are. A plugin that imports zod itself gets the package: the two agree.
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vendor = join(root, 'dist/src/vendor');

/** yargs finds its locales from its own file; in the bundle, from yargs-locales beside it. */
const yargsLocales = {
  name: 'yargs-locales',
  setup(b) {
    b.onLoad({ filter: /yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/ }, ({ path }) => {
      const text = readFileSync(path, 'utf8');
      const from = "directory: resolve(__dirname, '../../../locales')";
      if (!text.includes(from)) throw new Error(`${path}: no "${from}" to point at the bundled locales`);
      const to = "directory: fileURLToPath(new URL('./yargs-locales', import.meta.url))";
      return { contents: text.replace(from, to), loader: 'js' };
    });
  },
};

/**
 * string-width (three copies: yargs', cliui's, wrap-ansi's) builds Unicode-property regexes
 * (\p{RGI_Emoji}) and an Intl.Segmenter when loaded, ~20 ms, though yargs measures only
 * printable ASCII unless it prints help in another script. Each copy is loaded on its first
 * string that is not printable ASCII, whose width is its length.
 */
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async ({ importer, resolveDir, kind, pluginData }) => {
      if (pluginData === 'real') return undefined;
      const real = await b.resolve('string-width', { importer, resolveDir, kind, pluginData: 'real' });
      if (real.errors.length) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-string-width' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, ({ path }) => ({
      contents: `let width;
export default function stringWidth(text, options) {
  if (typeof text === 'string' && /^[\\x20-\\x7e]*$/.test(text)) return text.length;
  return (width ??= require(${JSON.stringify(path)}).default)(text, options);
}
`,
      resolveDir: dirname(path),
      loader: 'js',
    }));
  },
};

const packages = {
  zod: "export * from 'zod'; export { z, default } from 'zod';",
  yargs: "export { default } from 'yargs';",
};
for (const [name, contents] of Object.entries(packages)) {
  await build({
    stdin: { contents, resolveDir: root, loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: join(vendor, `${name}.js`),
    plugins: name === 'yargs' ? [yargsLocales, lazyStringWidth] : [],
    logLevel: 'warning',
  });
}
cpSync(join(root, 'node_modules/yargs/locales'), join(vendor, 'yargs-locales'), { recursive: true });

// `from 'zod'`, `import('yargs')`: the specifiers tsc leaves as written.
const bare = /(\bfrom\s*|\bimport\s*\(\s*)(['"])(zod|yargs)\2/g;
const pointing = { zod: 0, yargs: 0 };
function rewrite(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== vendor) rewrite(path);
    } else if (entry.name.endsWith('.js')) {
      const text = readFileSync(path, 'utf8');
      const next = text.replace(bare, (_, lead, quote, name) => {
        const target = relative(dirname(path), join(vendor, `${name}.js`)).replaceAll('\\', '/');
        return `${lead}${quote}${target.startsWith('.') ? target : `./${target}`}${quote}`;
      });
      if (next !== text) writeFileSync(path, next);
      for (const name of Object.keys(pointing))
        if (new RegExp(`/vendor/${name}\\.js['"]`).test(next)) pointing[name]++;
    }
  }
}
for (const dir of ['src', 'plugins', 'bench', 'samples']) rewrite(join(root, 'dist', dir));
// The CLI imports yargs, and the plugin API and the workflow schema zod: none pointing at a
// bundle means a refactor moved them, and start-up would quietly be slow again.
for (const [name, count] of Object.entries(pointing))
  if (count === 0) throw new Error(`bundle-deps: no import of ${name} in dist/ points at its bundle`);
