/**
 * index.html of the latent explorer: sliders for every latent dimension and a 2-D slice through any two of
 * them, the decoded image redrawn as they move (onnxruntime-web, wasm, one thread), and with an encoder a drop
 * zone that shows an image's latent and its reconstruction. The page's script is plain browser JavaScript, kept
 * here as text; the networks' description is inlined as JSON so that only the models and onnxruntime-web's
 * files are fetched.
 */
import { escapeHtml, htmlPage } from '../report/html-page.js';
import { ORT_WEB_FILES } from './ort-web-files.js';
import type { SiteModelInfo } from './site-models.js';

/** Latent values the sliders and the slice span: +-3 prior standard deviations. */
const LATENT_LIMIT = 3;

/** The explorer's own style: the canvases, the slice, the sliders and the drop zone. */
const EXPLORER_STYLE = `
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; }
.row { display: flex; gap: 2em; flex-wrap: wrap; align-items: flex-start; }
canvas.image { width: 224px; height: 224px; image-rendering: pixelated; border: 1px solid #ccc; background: #888; }
#slice { width: 240px; height: 240px; border: 1px solid #ccc; cursor: crosshair; touch-action: none; }
#sliders { max-height: 480px; overflow-y: auto; padding-right: 1em; }
#sliders label { display: flex; gap: 0.5em; align-items: center; font-variant-numeric: tabular-nums; }
#sliders input { width: 200px; }
#drop { border: 2px dashed #999; padding: 1em; width: 220px; text-align: center; }
#drop.over { background: #eef; }
.note { color: #555; } #latent { font: 12px monospace; white-space: pre-wrap; max-width: 480px; }
`;

/** The page for the networks `info` describes. */
export function explorerHtml(info: SiteModelInfo, title: string): string {
  const json = JSON.stringify(info).replace(/</g, '\\u003c');
  const encoderSection = info.encoder === null ? '' : ENCODER_SECTION;
  return htmlPage(
    title,
    EXPLORER_STYLE,
    `<h1>${escapeHtml(title)}</h1>
<p class="note">Move the sliders, or drag the point in the slice through two latent dimensions; the decoder's mean image follows. Status: <span id="status">loading the networks</span></p>
<div class="row">
  <div><h2>Decoded image</h2><canvas id="decoded" class="image"></canvas>
    <p><button id="sample">sample z ~ N(0, I)</button> <button id="zero">z = 0</button></p></div>
  <div><h2>Slice</h2>
    <p>x: <select id="dim-x"></select> y: <select id="dim-y"></select></p>
    <canvas id="slice" width="240" height="240"></canvas></div>
  <div><h2>Latent (${info.decoder.latentDim} dimensions)</h2><div id="sliders"></div></div>
</div>
${encoderSection}
<script id="model-info" type="application/json">${json}</script>
<script src="${ORT_WEB_FILES.script}"></script>
<script>
${PAGE_SCRIPT.replace('LATENT_LIMIT', String(LATENT_LIMIT))}
</script>`,
  );
}

const ENCODER_SECTION = `<h2>Encode an image</h2>
<div class="row">
  <div id="drop">Drop an image here, or <input type="file" id="file" accept="image/*"></div>
  <div><p class="note">input (resized)</p><canvas id="input" class="image"></canvas></div>
  <div><p class="note">reconstruction (decoder mean at the encoder's mean)</p><canvas id="reconstruction" class="image"></canvas></div>
  <div><p class="note">latent: encoder mean (sigma)</p><div id="latent"></div></div>
</div>`;

const PAGE_SCRIPT = String.raw`
'use strict';
const info = JSON.parse(document.getElementById('model-info').textContent);
const dec = info.decoder;
const [C, H, W] = dec.imageShape;
const [LO, HI] = dec.range === '11' ? [-1, 1] : [0, 1];
const LIMIT = LATENT_LIMIT;
const d = dec.latentDim;
const z = new Float32Array(d);
const status = document.getElementById('status');
const sliders = [];
let decoder = null;
let encoder = null;
let busy = false;
let pending = false;
let renders = 0;

ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = new URL('./', location.href).href;

function fail(error) {
  status.textContent = 'error: ' + (error && error.message ? error.message : String(error));
  console.error(error);
}

async function decode(latent) {
  const feeds = { [dec.input]: new ort.Tensor('float32', Float32Array.from(latent), dec.inputShape) };
  const out = await decoder.run(feeds, [dec.output]);
  return out[dec.output].data;
}

// Draws the first image of an NCHW or NHWC batch in the decoder's range.
function draw(canvas, values, layout) {
  canvas.width = W;
  canvas.height = H;
  const context = canvas.getContext('2d');
  const image = context.createImageData(W, H);
  const scale = 255 / (HI - LO);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const at = (y * W + x) * 4;
      for (let k = 0; k < 3; k++) {
        const c = C === 1 ? 0 : k;
        const i = layout === 'nhwc' ? (y * W + x) * C + c : (c * H + y) * W + x;
        image.data[at + k] = Math.max(0, Math.min(255, Math.round((values[i] - LO) * scale)));
      }
      image.data[at + 3] = 255;
    }
  }
  context.putImageData(image, 0, 0);
}

// Decodes the current z; moves that arrive while a run is in flight collapse into one more run.
async function render() {
  if (busy) { pending = true; return; }
  busy = true;
  try {
    do {
      pending = false;
      draw(document.getElementById('decoded'), await decode(z), dec.layout);
      renders++;
      document.body.dataset.renders = String(renders);
    } while (pending);
  } catch (error) {
    fail(error);
  } finally {
    busy = false;
  }
}

function syncSliders() {
  sliders.forEach((s, i) => { s.input.value = String(z[i]); s.value.textContent = z[i].toFixed(2); });
  drawSlice();
}

function buildSliders() {
  const box = document.getElementById('sliders');
  for (let i = 0; i < d; i++) {
    const label = document.createElement('label');
    const name = document.createElement('span');
    name.textContent = 'z' + i;
    const input = document.createElement('input');
    Object.assign(input, { type: 'range', min: String(-LIMIT), max: String(LIMIT), step: '0.01', value: '0' });
    input.dataset.dim = String(i);
    const value = document.createElement('span');
    value.textContent = '0.00';
    input.addEventListener('input', () => { z[i] = Number(input.value); value.textContent = z[i].toFixed(2); drawSlice(); render(); });
    label.append(name, input, value);
    box.append(label);
    sliders.push({ input, value });
  }
  for (const [id, initial] of [['dim-x', 0], ['dim-y', Math.min(1, d - 1)]]) {
    const select = document.getElementById(id);
    for (let i = 0; i < d; i++) select.append(new Option('z' + i, String(i), i === initial, i === initial));
    select.addEventListener('change', drawSlice);
  }
}

function sliceDims() {
  return [Number(document.getElementById('dim-x').value), Number(document.getElementById('dim-y').value)];
}

function drawSlice() {
  const canvas = document.getElementById('slice');
  const context = canvas.getContext('2d');
  const size = canvas.width;
  const toPixel = (v) => ((v + LIMIT) / (2 * LIMIT)) * size;
  context.fillStyle = '#fff';
  context.fillRect(0, 0, size, size);
  context.strokeStyle = '#ddd';
  for (let v = -LIMIT; v <= LIMIT; v++) {
    context.beginPath(); context.moveTo(toPixel(v), 0); context.lineTo(toPixel(v), size); context.stroke();
    context.beginPath(); context.moveTo(0, toPixel(v)); context.lineTo(size, toPixel(v)); context.stroke();
  }
  const [dx, dy] = sliceDims();
  context.fillStyle = '#c00';
  context.beginPath();
  context.arc(toPixel(z[dx]), size - toPixel(z[dy]), 5, 0, 2 * Math.PI);
  context.fill();
}

function buildSlice() {
  const canvas = document.getElementById('slice');
  const move = (event) => {
    if (event.type === 'pointermove' && event.buttons === 0) return;
    const box = canvas.getBoundingClientRect();
    const clamp = (v) => Math.max(-LIMIT, Math.min(LIMIT, v));
    const [dx, dy] = sliceDims();
    z[dx] = clamp(((event.clientX - box.left) / box.width) * 2 * LIMIT - LIMIT);
    z[dy] = clamp(LIMIT - ((event.clientY - box.top) / box.height) * 2 * LIMIT);
    syncSliders();
    render();
  };
  canvas.addEventListener('pointerdown', (event) => { canvas.setPointerCapture(event.pointerId); move(event); });
  canvas.addEventListener('pointermove', move);
  drawSlice();
}

function gaussian() {
  const u = 1 - Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * Math.random());
}

// An image file resized to the model's H x W, as NCHW values in the decoder's range.
async function imageValues(file) {
  const bitmap = await createImageBitmap(file);
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  const context = canvas.getContext('2d');
  context.drawImage(bitmap, 0, 0, W, H);
  const rgba = context.getImageData(0, 0, W, H).data;
  const x = new Float32Array(C * H * W);
  for (let p = 0; p < H * W; p++) {
    for (let c = 0; c < C; c++) {
      const v = C === 1 ? (rgba[4 * p] + rgba[4 * p + 1] + rgba[4 * p + 2]) / (3 * 255) : rgba[4 * p + c] / 255;
      x[c * H * W + p] = LO + v * (HI - LO);
    }
  }
  return x;
}

async function encodeFile(file) {
  try {
    const x = await imageValues(file);
    draw(document.getElementById('input'), x, 'nchw');
    const enc = info.encoder;
    const out = await encoder.run({ [enc.input]: new ort.Tensor('float32', x, [1, C, H, W]) }, [enc.mu, enc.logSigma]);
    const mu = out[enc.mu].data;
    const logSigma = out[enc.logSigma].data;
    z.set(mu);
    document.getElementById('latent').textContent = Array.from(mu, (m, i) => 'z' + i + ' ' + m.toFixed(3) + ' (' + Math.exp(logSigma[i]).toFixed(3) + ')').join('\n');
    draw(document.getElementById('reconstruction'), await decode(mu), dec.layout);
    syncSliders();
    await render();
    document.body.dataset.encoded = String(Number(document.body.dataset.encoded || 0) + 1);
  } catch (error) {
    fail(error);
  }
}

function buildEncoder() {
  const drop = document.getElementById('drop');
  drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    if (event.dataTransfer.files.length > 0) encodeFile(event.dataTransfer.files[0]);
  });
  document.getElementById('file').addEventListener('change', (event) => {
    if (event.target.files.length > 0) encodeFile(event.target.files[0]);
  });
}

async function start() {
  const options = { executionProviders: ['wasm'] };
  decoder = await ort.InferenceSession.create(dec.file, options);
  if (info.encoder !== null) {
    encoder = await ort.InferenceSession.create(info.encoder.file, options);
    buildEncoder();
  }
  buildSliders();
  buildSlice();
  document.getElementById('sample').addEventListener('click', () => { for (let i = 0; i < d; i++) z[i] = Math.max(-LIMIT, Math.min(LIMIT, gaussian())); syncSliders(); render(); });
  document.getElementById('zero').addEventListener('click', () => { z.fill(0); syncSliders(); render(); });
  await render();
  status.textContent = 'ready';
  document.body.dataset.ready = 'true';
}

if (location.protocol === 'file:') {
  status.textContent = 'a page opened from a file cannot load its networks: run langevin-pc export-web with --serve, or serve this folder over http';
} else {
  start().catch(fail);
}
`;
