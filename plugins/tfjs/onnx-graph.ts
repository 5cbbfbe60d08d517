import type { onnx as schema } from 'onnx-proto';
import onnxProto from 'onnx-proto';

/** The protobuf classes of the ONNX schema (onnx-proto is protobufjs code generated from onnx.proto). */
export const { onnx } = onnxProto;

/** Opset 17: the first with LayerNormalization; ReduceMax/ReduceMean still take `axes` as an attribute. */
export const opsetVersion = 17;
/** IR version 8 (ONNX 1.10 – 1.12), what opset 17 needs and Debian's python3-onnx checks. */
export const irVersion = 8;

export type Attribute = schema.IAttributeProto;
const { AttributeType } = onnx.AttributeProto;

export const attr = {
  int: (name: string, i: number): Attribute => ({ name, type: AttributeType.INT, i }),
  ints: (name: string, ints: number[]): Attribute => ({ name, type: AttributeType.INTS, ints }),
  float: (name: string, f: number): Attribute => ({ name, type: AttributeType.FLOAT, f }),
  floats: (name: string, floats: number[]): Attribute => ({ name, type: AttributeType.FLOATS, floats }),
  strings: (name: string, values: string[]): Attribute => ({
    name,
    type: AttributeType.STRINGS,
    strings: values.map((s) => new TextEncoder().encode(s)),
  }),
};

/**
 * A graph being built: nodes in topological order and their initializers, every name made
 * unique under `prefix` (so that ensemble members can share one graph).
 */
export interface GraphBuilder {
  /** A float32 initializer of `shape`. */
  floats(name: string, values: Float32Array, shape: number[]): string;
  /** An int64 initializer (shapes, axes, indices), 1-D unless `shape` is given. */
  int64s(name: string, values: number[], shape?: number[]): string;
  /** An int32 scalar initializer (to pad or offset token ids). */
  int32(name: string, value: number): string;
  /** An int32 initializer (token-id offsets), 1-D unless `shape` is given. */
  int32s(name: string, values: Int32Array, shape?: number[]): string;
  /** A node; returns its outputs' names (`outputs` of them, or the names given). */
  node(op: string, inputs: string[], attributes?: Attribute[], outputs?: number | string[]): string[];
  /** The same builder naming under `prefix` too. */
  scoped(prefix: string): GraphBuilder;
  readonly nodes: schema.INodeProto[];
  readonly initializers: schema.ITensorProto[];
}

/** A builder whose names never take one of `reserved` (the graph's inputs and outputs). */
export function graphBuilder(reserved: string[]): GraphBuilder {
  const nodes: schema.INodeProto[] = [];
  const initializers: schema.ITensorProto[] = [];
  const used = new Map(reserved.map((name) => [name, 1]));
  const unique = (name: string) => {
    const n = (used.get(name) ?? 0) + 1;
    used.set(name, n);
    return n === 1 ? name : `${name}_${n}`;
  };
  const make = (prefix: string): GraphBuilder => ({
    floats(name, values, shape) {
      const unique_ = unique(prefix + name);
      const rawData = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
      initializers.push({ name: unique_, dataType: onnx.TensorProto.DataType.FLOAT, dims: shape, rawData });
      return unique_;
    },
    int64s(name, values, shape = [values.length]) {
      const unique_ = unique(prefix + name);
      const rawData = new Uint8Array(BigInt64Array.from(values, BigInt).buffer);
      initializers.push({
        name: unique_,
        dataType: onnx.TensorProto.DataType.INT64,
        dims: shape,
        rawData,
      });
      return unique_;
    },
    int32(name, value) {
      const unique_ = unique(prefix + name);
      const rawData = new Uint8Array(Int32Array.of(value).buffer);
      initializers.push({ name: unique_, dataType: onnx.TensorProto.DataType.INT32, dims: [], rawData });
      return unique_;
    },
    int32s(name, values, shape = [values.length]) {
      const unique_ = unique(prefix + name);
      const rawData = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
      initializers.push({ name: unique_, dataType: onnx.TensorProto.DataType.INT32, dims: shape, rawData });
      return unique_;
    },
    node(op, inputs, attributes = [], outputs = 1) {
      const name = unique(`${prefix}${op}`);
      const output =
        typeof outputs === 'number'
          ? Array.from({ length: outputs }, (_, i) => (outputs === 1 ? name : `${name}:${i}`))
          : outputs;
      nodes.push({ opType: op, name, input: inputs, output, attribute: attributes });
      return output;
    },
    scoped: (more) => make(prefix + more),
    nodes,
    initializers,
  });
  return make('');
}

/** A graph input or output: `elemType` with dims that are sizes or symbolic names. */
export function valueInfo(
  name: string,
  elemType: schema.TensorProto.DataType,
  dims: (number | string)[],
): schema.IValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}
