import type { PortCodec } from '../../src/plugin-api/index.js';
import type { GenotypeMatrix } from './genotypes.js';

/*
 * Cache encoding of a genotype-matrix: [4-byte length][JSON of everything but the
 * dosages][padding to 4 bytes][dosages as little-endian float32].
 */
export const genotypeMatrixCodec: PortCodec<GenotypeMatrix> = {
  createEncoder() {
    return (matrix) => {
      const { dosage, ...rest } = matrix;
      const json = Buffer.from(JSON.stringify(rest));
      const start = 4 + json.length + ((4 - (json.length % 4)) % 4);
      const bytes = Buffer.alloc(start + dosage.byteLength);
      bytes.writeUInt32LE(json.length, 0);
      json.copy(bytes, 4);
      Buffer.from(dosage.buffer, dosage.byteOffset, dosage.byteLength).copy(bytes, start);
      return bytes;
    };
  },
  createDecoder() {
    return (bytes) => {
      const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const length = view.readUInt32LE(0);
      const rest = JSON.parse(view.subarray(4, 4 + length).toString()) as Omit<GenotypeMatrix, 'dosage'>;
      const start = 4 + length + ((4 - (length % 4)) % 4);
      const floats = view.subarray(start);
      // Copied into a fresh array: the input's offset need not be 4-byte aligned.
      const dosage = new Float32Array(floats.length / 4);
      Buffer.from(dosage.buffer).set(floats);
      return { ...rest, dosage };
    };
  },
};
