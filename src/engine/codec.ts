import { deserialize, serialize } from 'node:v8';
import type { PortCodec } from '../plugin-api/types.js';

/** The default cache codec: V8's structured clone, which keeps typed arrays binary. */
export const structuredCloneCodec: PortCodec<unknown> = {
  createEncoder: () => (record) => serialize(record),
  createDecoder: () => (bytes) => deserialize(bytes),
};
