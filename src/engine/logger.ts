import type { Logger } from '../plugin-api/types.js';
import { writeStderr } from './progress.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/** Writes `[prefix] message` lines to stderr at or above `level`. */
export function createLogger(level: LogLevel, prefix?: string, write = writeStderr): Logger {
  const tag = prefix ? `[${prefix}] ` : '';
  const at = (lvl: LogLevel, label: string) => (message: string) => {
    if (order[lvl] >= order[level]) write(`${label}${tag}${message}\n`);
  };
  return {
    debug: at('debug', 'debug: '),
    info: at('info', ''),
    warn: at('warn', 'warning: '),
    error: at('error', 'error: '),
  };
}
