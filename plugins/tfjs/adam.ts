import * as tf from '@tensorflow/tfjs';

/**
 * Adam written out (rather than tf.train.adam) so that its whole state — the step and
 * both moment tensors — can be checkpointed and restored bit for bit.
 */
export class Adam {
  step = 0;
  readonly m: tf.Variable[];
  readonly v: tf.Variable[];
  constructor(
    readonly variables: tf.Variable[],
    readonly learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-7,
  ) {
    this.m = variables.map((w) => tf.variable(tf.zerosLike(w), false));
    this.v = variables.map((w) => tf.variable(tf.zerosLike(w), false));
  }

  /** One update from gradients keyed by variable name. */
  apply(grads: tf.NamedTensorMap): void {
    this.step++;
    const correction1 = 1 - this.beta1 ** this.step;
    const correction2 = 1 - this.beta2 ** this.step;
    tf.tidy(() => {
      this.variables.forEach((w, i) => {
        const g = grads[w.name];
        if (!g) return;
        const m = tf.add(tf.mul(this.m[i]!, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i]!, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        const update = tf.div(tf.div(m, correction1), tf.add(tf.sqrt(tf.div(v, correction2)), this.epsilon));
        w.assign(tf.sub(w, tf.mul(update, this.learningRate)));
      });
    });
  }

  /** Moments in a fixed order (all m, then all v), for checkpoints. */
  state(): tf.Tensor[] {
    return [...this.m, ...this.v];
  }

  restore(step: number, values: Float32Array[]): void {
    this.step = step;
    const moments = [...this.m, ...this.v];
    for (const [i, t] of moments.entries()) tf.tidy(() => t.assign(tf.tensor(values[i]!, t.shape)));
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
