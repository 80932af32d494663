/**
 * Data augmentation for the feature classifier: every image of a minibatch moved by its own random whole-
 * pixel offset, the uncovered border filled with 0 (the background of MNIST-like images in [0, 1]). On the
 * 8,000-digit MNIST subset the package once used it lifted a small MLP from ~95% to ~97% test accuracy.
 */
import { imageSize, type ImageShape } from '../data/index.js';
import type { Rng } from '../native/index.js';

/**
 * Shifts each of the `count` images of `x` (layout [count, c, h, w]) in place by (dy, dx), each drawn
 * uniformly from -maxShift..maxShift with `rng`. `scratch` holds one image.
 *
 * @example
 * randomShift(batch.x, batch.size, [1, 28, 28], 2, rng, new Float32Array(784));
 */
export function randomShift(x: Float32Array, count: number, shape: ImageShape, maxShift: number, rng: Rng, scratch: Float32Array): void {
  if (maxShift === 0 || count === 0) return;
  const [channels, height, width] = shape;
  const size = imageSize(shape);
  const span = 2 * maxShift + 1;
  const u = rng.uniform(2 * count);
  for (let i = 0; i < count; i++) {
    const dy = Math.floor(u[2 * i] * span) - maxShift;
    const dx = Math.floor(u[2 * i + 1] * span) - maxShift;
    if (dx === 0 && dy === 0) continue;
    const image = x.subarray(i * size, (i + 1) * size);
    scratch.set(image);
    image.fill(0);
    for (let c = 0; c < channels; c++) {
      const plane = c * height * width;
      for (let r = Math.max(0, dy); r < Math.min(height, height + dy); r++) {
        const from = plane + (r - dy) * width;
        const to = plane + r * width;
        for (let col = Math.max(0, dx); col < Math.min(width, width + dx); col++) image[to + col] = scratch[from + col - dx];
      }
    }
  }
}
