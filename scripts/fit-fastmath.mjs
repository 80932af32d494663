#!/usr/bin/env node
// Derives the polynomial coefficients in native/core/fastmath.h: weighted least squares on
// Chebyshev nodes (weights make the error relative to the final function value), solved in
// float64 with Householder QR, then rounded to float. Prints the coefficients and the max
// relative error of the resulting approximation evaluated in float64. Run: node scripts/fit-fastmath.mjs

function chebNodes(a, b, n) {
  const xs = [];
  for (let i = 0; i < n; i++) xs.push((a + b) / 2 + ((b - a) / 2) * Math.cos((Math.PI * (i + 0.5)) / n));
  return xs;
}

// Solves min ||W (A c - y)|| by Householder QR; A is m x k (rows of basis values).
function leastSquares(rows, ys, weights) {
  const m = rows.length;
  const k = rows[0].length;
  const a = rows.map((r, i) => r.map((v) => v * weights[i]));
  const y = ys.map((v, i) => v * weights[i]);
  for (let j = 0; j < k; j++) {
    let norm = 0;
    for (let i = j; i < m; i++) norm += a[i][j] * a[i][j];
    norm = Math.sqrt(norm);
    const alpha = a[j][j] > 0 ? -norm : norm;
    const v = new Float64Array(m);
    for (let i = j; i < m; i++) v[i] = a[i][j];
    v[j] -= alpha;
    let vv = 0;
    for (let i = j; i < m; i++) vv += v[i] * v[i];
    for (let c = j; c < k; c++) {
      let dot = 0;
      for (let i = j; i < m; i++) dot += v[i] * a[i][c];
      for (let i = j; i < m; i++) a[i][c] -= (2 * dot * v[i]) / vv;
    }
    let dot = 0;
    for (let i = j; i < m; i++) dot += v[i] * y[i];
    for (let i = j; i < m; i++) y[i] -= (2 * dot * v[i]) / vv;
  }
  const c = new Float64Array(k);
  for (let j = k - 1; j >= 0; j--) {
    let s = y[j];
    for (let t = j + 1; t < k; t++) s -= a[j][t] * c[t];
    c[j] = s / a[j][j];
  }
  return Array.from(c, (v) => Math.fround(v));
}

const horner = (cs, w) => cs.reduceRight((acc, c) => acc * w + c, 0);

function fit(name, a, b, terms, basisArg, target, evaluate, exact) {
  const xs = chebNodes(a, b, 4000).filter((x) => x !== 0);
  const rows = xs.map((x) => Array.from({ length: terms }, (_, p) => basisArg(x) ** p));
  // Weight so that an error in the polynomial part is measured relative to the whole function.
  const weights = xs.map((x) => evaluate.scale(x) / Math.abs(exact(x)));
  const cs = leastSquares(rows, xs.map(target), weights);
  let worst = 0;
  for (let i = 1; i < 200000; i++) {
    const x = a + ((b - a) * i) / 200000;
    if (Math.abs(x) < 1e-9) continue;
    worst = Math.max(worst, Math.abs(evaluate.fn(cs, x) / exact(x) - 1));
  }
  console.log(`${name}: [${cs.map((c) => c.toPrecision(9)).join(', ')}]  max rel err (float64 eval) ${worst.toExponential(2)}`);
}

// ln(1+f) = 2s + s^3 R(s^2), s = f/(2+f), |s| <= 3 - 2*sqrt(2) for f in [sqrt(1/2)-1, sqrt(2)-1].
const sMax = 3 - 2 * Math.SQRT2;
fit(
  'log R(s^2)',
  -sMax,
  sMax,
  3,
  (s) => s * s,
  (s) => (Math.log((1 + s) / (1 - s)) - 2 * s) / s ** 3,
  { scale: (s) => Math.abs(s) ** 3, fn: (cs, s) => 2 * s + s ** 3 * horner(cs, s * s) },
  (s) => Math.log((1 + s) / (1 - s)),
);
// sin(p) = p + p^3 S(p^2), cos(p) = 1 - p^2/2 + p^4 C(p^2), |p| <= pi/4.
const q = Math.PI / 4;
fit(
  'sin S(p^2)',
  -q,
  q,
  3,
  (p) => p * p,
  (p) => (Math.sin(p) - p) / p ** 3,
  { scale: (p) => Math.abs(p) ** 3, fn: (cs, p) => p + p ** 3 * horner(cs, p * p) },
  Math.sin,
);
fit(
  'cos C(p^2)',
  -q,
  q,
  3,
  (p) => p * p,
  (p) => (Math.cos(p) - 1 + (p * p) / 2) / p ** 4,
  { scale: (p) => p ** 4, fn: (cs, p) => 1 - (p * p) / 2 + p ** 4 * horner(cs, p * p) },
  Math.cos,
);
