/**
 * A file-system error that names its file: Node's errors from writes to an open file
 * (`ENOSPC: no space left on device, write`) do not. The code is kept.
 */
export function namingPath(err: unknown, path: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code !== 'string' || e.message.includes(path)) return err;
  return Object.assign(new Error(`${e.message} '${path}'`), { code: e.code });
}
