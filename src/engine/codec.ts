import { deserialize, serialize } from 'node:v8';
import { codecContext, sharedRecordCodecs } from '../plugin-api/carrying-codec.js';
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

/** A port type's codec with its context bound: what the engine stores a stream with. */
export interface StreamCodec {
  createEncoder(): (record: unknown) => Uint8Array;
  createDecoder(): (bytes: Uint8Array) => unknown;
}

/**
 * The codec of a port type: a loaded plugin's, else the one of a record shape the plugin
 * API defines (sequence, token-batch, prediction), else the default. Records carried inside
 * a record are stored by their own port type's codec, found among the same codecs.
 */
export function codecOf(registry: PluginRegistry, portType: string | null): StreamCodec {
  const codecs = [...registry.codecs(), ...sharedRecordCodecs];
  const codec = codecs.find(([type]) => type === portType)?.[1] ?? defaultCodec;
  const context = codecContext(codecs);
  return {
    createEncoder: () => codec.createEncoder(context),
    createDecoder: () => codec.createDecoder(context),
  };
}
