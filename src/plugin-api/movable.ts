/** For worker modules only: importing it loads piscina. */
import { Piscina } from 'piscina';
import type { TransferList } from './pool.js';

/**
 * What a worker returns to move typed arrays back instead of copying them:
 * `return movable({ ids }, [ids.buffer])`.
 */
export function movable<T extends object>(value: T, transfer: TransferList): T {
  return Piscina.move({
    [Piscina.transferableSymbol]: transfer,
    [Piscina.valueSymbol]: value,
  } as never) as unknown as T;
}
