/**
 * Compiles a WebAssembly text file (.wat) with wabt and writes the binary as a base64 string
 * in a TypeScript module beside it (`x.wat` -> `x-wasm.ts`), so the kernel loads the same way
 * from the sources (tests, tsx) and from dist/, with no file to copy. `make wasm` runs it;
 * a test checks that each committed module still equals its .wat.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import wabtInit from 'wabt';

/** The binary of a .wat file; bulk memory (memory.fill) is the one feature past the MVP used. */
export async function compileWat(path: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const module = wabt.parseWat(path, readFileSync(path, 'utf8'), { bulk_memory: true });
  try {
    module.validate();
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

/** The TypeScript module holding a .wat file's binary. */
function wasmModuleSource(watPath: string, binary: Uint8Array): string {
  const name = watPath.split('/').pop()!;
  return (
    `// Generated from ${name} by \`make wasm\` (scripts/wat-to-module.ts): do not edit.\n` +
    `export const WASM_BASE64 =\n  '${Buffer.from(binary).toString('base64')}';\n`
  );
}

function modulePathOf(watPath: string): string {
  return watPath.replace(/\.wat$/, '-wasm.ts');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const path of process.argv.slice(2)) {
    writeFileSync(modulePathOf(path), wasmModuleSource(path, await compileWat(path)));
    console.error(`wrote ${modulePathOf(path)}`);
  }
}
