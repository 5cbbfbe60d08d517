import { deserialize, serialize } from 'node:v8';
import type { PortCodec } from '../plugin-api/types.js';
import type { PluginRegistry } from './plugin-loader.js';

const STRING = 0;
const CLONE = 1;

/**
 * The default cache codec: strings (lines, the commonest records) as tagged UTF-8, anything
 * else through V8's structured clone, which keeps typed arrays binary.
 */
export const defaultCodec: PortCodec<unknown> = {
  createEncoder: () => (record) => {
    if (typeof record === 'string') {
      const bytes = Buffer.allocUnsafe(1 + Buffer.byteLength(record));
      bytes[0] = STRING;
      bytes.write(record, 1);
      return bytes;
    }
    const clone = serialize(record);
    const bytes = Buffer.allocUnsafe(1 + clone.length);
    bytes[0] = CLONE;
    clone.copy(bytes, 1);
    return bytes;
  },
  createDecoder: () => (bytes) => {
    const body = Buffer.from(bytes.buffer, bytes.byteOffset + 1, bytes.byteLength - 1);
    return bytes[0] === STRING ? body.toString('utf8') : deserialize(body);
  },
};

/** The codec a port type is stored with: its plugin's, else the default. */
export function codecOf(registry: PluginRegistry, portType: string | null): PortCodec<unknown> {
  return (portType && registry.codec(portType)) || defaultCodec;
}
