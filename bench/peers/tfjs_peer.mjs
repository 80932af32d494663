/**
 * The TensorFlow.js peer of the training-update benchmark: the VAE (ELBO, analytic KL, one sample, Bernoulli
 * on grey values as TensorFlow.js's own VAE example trains) with MLP encoder 784 -> hidden -> 2d and decoder
 * d -> hidden -> 784 (ReLU), Adam lr 1e-3, batch mean, on the wasm backend with one thread.
 *
 * - tuned: dense layers as tf.customGrad with the transposes made explicit (tfjs-wasm's MatMul with a
 *   transposed operand is about 20x slower than a plain one), gradients by tf.variableGrads.
 * - layers: the idiomatic way, tf.layers.dense models and optimizer.minimize.
 *
 * Prints one JSON line: the median and range of per-update times after the warm-up and the mean loss.
 * Run: node bench/peers/tfjs_peer.mjs --variant tuned --hidden 512 --batch 128 --updates 30 --warmup 5
 * (after `npm install` in bench/peers).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const variant = arg('--variant', 'tuned');
const hidden = Number(arg('--hidden', '512'));
const latent = Number(arg('--latent', '32'));
const batch = Number(arg('--batch', '128'));
const updates = Number(arg('--updates', '30'));
const warmup = Number(arg('--warmup', '5'));

/** Fashion-MNIST training images as grey values in [0, 1], [count, 784]. */
function loadImages() {
  const raw = gunzipSync(readFileSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz'));
  return Float32Array.from(raw.subarray(16), (v) => v / 255);
}

/** y = x W + b with the backward products written without transposed operands. */
const dense = tf.customGrad((x, w, b, save) => {
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy, [xs, ws]) => [tf.matMul(dy, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy), tf.sum(dy, 0)],
  };
});

function glorot(rows, cols) {
  return tf.variable(tf.randomUniform([rows, cols], -Math.sqrt(6 / (rows + cols)), Math.sqrt(6 / (rows + cols)), 'float32', 1));
}

/** -ELBO per batch: sum over pixels of softplus(l) - x l, plus the analytic KL, averaged over the batch. */
function negElbo(x, logits, mu, logSigma) {
  const recon = tf.sum(tf.sub(tf.softplus(logits), tf.mul(x, logits)), 1);
  const kl = tf.mul(0.5, tf.sum(tf.sub(tf.add(tf.square(mu), tf.exp(tf.mul(2, logSigma))), tf.add(1, tf.mul(2, logSigma))), 1));
  return tf.mean(tf.add(recon, kl));
}

function tunedModel() {
  const p = {
    w1: glorot(784, hidden),
    b1: tf.variable(tf.zeros([hidden])),
    w2: glorot(hidden, 2 * latent),
    b2: tf.variable(tf.zeros([2 * latent])),
    w3: glorot(latent, hidden),
    b3: tf.variable(tf.zeros([hidden])),
    w4: glorot(hidden, 784),
    b4: tf.variable(tf.zeros([784])),
  };
  const optimizer = tf.train.adam(1e-3);
  return (x, eps) => {
    const { value, grads } = tf.variableGrads(() => {
      const out = dense(tf.relu(dense(x, p.w1, p.b1)), p.w2, p.b2);
      const [mu, logSigma] = tf.split(out, 2, 1);
      const z = tf.add(mu, tf.mul(tf.exp(logSigma), eps));
      return negElbo(x, dense(tf.relu(dense(z, p.w3, p.b3)), p.w4, p.b4), mu, logSigma);
    });
    optimizer.applyGradients(grads);
    const loss = value.dataSync()[0];
    tf.dispose([value, grads]);
    return loss;
  };
}

function layersModel() {
  const encoder = tf.sequential({ layers: [tf.layers.dense({ inputShape: [784], units: hidden, activation: 'relu' }), tf.layers.dense({ units: 2 * latent })] });
  const decoder = tf.sequential({ layers: [tf.layers.dense({ inputShape: [latent], units: hidden, activation: 'relu' }), tf.layers.dense({ units: 784 })] });
  const optimizer = tf.train.adam(1e-3);
  return (x, eps) => {
    const value = optimizer.minimize(() => {
      const [mu, logSigma] = tf.split(encoder.apply(x), 2, 1);
      const z = tf.add(mu, tf.mul(tf.exp(logSigma), eps));
      return negElbo(x, decoder.apply(z), mu, logSigma);
    }, true);
    const loss = value.dataSync()[0];
    value.dispose();
    return loss;
  };
}

async function main() {
  setThreadsCount(1);
  await tf.setBackend('wasm');
  await tf.ready();
  const images = loadImages();
  const count = images.length / 784;
  const step = variant === 'tuned' ? tunedModel() : layersModel();
  const times = [];
  const losses = [];
  for (let i = 0; i < warmup + updates; i++) {
    const start = ((i * batch) % (count - batch)) * 784;
    const x = tf.tensor2d(images.subarray(start, start + batch * 784), [batch, 784]);
    const eps = tf.randomNormal([batch, latent], 0, 1, 'float32', i + 1);
    const t0 = performance.now();
    const loss = step(x, eps);
    const ms = performance.now() - t0;
    tf.dispose([x, eps]);
    if (i >= warmup) {
      times.push(ms);
      losses.push(loss);
    }
  }
  times.sort((a, b) => a - b);
  const out = {
    peer: `tfjs-${variant}`,
    version: tf.version.tfjs,
    backend: tf.getBackend(),
    msMedian: times[Math.floor(times.length / 2)],
    msMin: times[0],
    msMax: times[times.length - 1],
    loss: losses.reduce((s, v) => s + v, 0) / losses.length,
  };
  console.log(JSON.stringify(out));
}

await main();
