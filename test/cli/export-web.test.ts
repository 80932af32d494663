/**
 * `langevin-pc export-web` without a browser: the files of the site, networks that onnxruntime decodes and
 * encodes exactly as the package does, pretrained decoders given with --decoder, the static server's answers,
 * and coded errors. The page itself is driven in chromium by test/browser/export-web.test.ts.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { DecoderMeans } from '../../lib/models/decoder-means.js';
import { EncoderModel } from '../../lib/models/encoder-model.js';
import { exportDecoder, exportEncoder } from '../../lib/models/export.js';
import { mlpDecoder, mlpEncoder } from '../../lib/models/mlp.js';
import { serveSite } from '../../lib/web/serve-site.js';
import type { SiteModelInfo } from '../../lib/web/site-models.js';
import { runCli, tempFolder } from './support.js';

const tmp = tempFolder('lpc-export-web-');
afterAll(() => tmp.dispose());
const shape = [1, 8, 8] as const;
const decoder = mlpDecoder({ latentDim: 3, imageShape: [...shape], hidden: [16], seed: 1 });
const encoder = mlpEncoder({ latentDim: 3, imageShape: [...shape], hidden: [16], seed: 2 });
const decoderFile = path.join(tmp.dir, 'decoder.onnx');
const encoderFile = path.join(tmp.dir, 'encoder.onnx');
writeFileSync(decoderFile, exportDecoder(decoder));
writeFileSync(encoderFile, exportEncoder(encoder));

/** The networks' description inlined in index.html. */
function siteInfo(site: string): SiteModelInfo {
  const html = readFileSync(path.join(site, 'index.html'), 'utf8');
  const json = /<script id="model-info" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1];
  if (json === undefined) throw new Error('index.html has no model-info');
  return JSON.parse(json) as SiteModelInfo;
}

/** The status of a GET of `requestPath` sent as is (fetch would normalise it). */
function rawStatus(url: string, requestPath: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    get({ hostname, port, path: requestPath, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode);
    }).on('error', reject);
  });
}

describe('langevin-pc export-web', () => {
  const site = path.join(tmp.dir, 'site');

  it('writes index.html, the networks and onnxruntime-web files for a pretrained decoder and encoder', async () => {
    const run = await runCli(['export-web', '--decoder', decoderFile, '--encoder', encoderFile, '--out', site]);
    expect(run.code, run.stderr).toBe(0);
    for (const name of ['index.html', 'decoder.onnx', 'encoder.onnx', 'ort.wasm.min.js', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm']) {
      expect(existsSync(path.join(site, name)), name).toBe(true);
    }
    expect(run.stdout).toMatch(/--serve/);
    const info = siteInfo(site);
    expect(info.decoder).toMatchObject({ latentDim: 3, imageShape: [1, 8, 8], inputShape: [1, 3], range: decoder.range });
    expect(info.encoder).toEqual({ file: 'encoder.onnx', input: 'x', mu: 'mu', logSigma: 'logsigma' });
  });

  it("writes networks that onnxruntime runs to the package's own decoder means and encoder outputs", async () => {
    const info = siteInfo(site);
    const z = Float32Array.from([0.5, -1, 2]);
    const web = await ort.InferenceSession.create(path.join(site, 'decoder.onnx'));
    const image = (await web.run({ [info.decoder.input]: new ort.Tensor('float32', z, info.decoder.inputShape) }, [info.decoder.output]))[info.decoder.output].data as Float32Array;
    const means = await DecoderMeans.create(decoder);
    const expected = await means.decode(z);
    await means.dispose();
    // Same graph and weights in the same runtime: equal up to float32 rounding of a different session.
    expect(Array.from(image).map((v, i) => Math.abs(v - expected[i]))).toSatisfy((d: number[]) => Math.max(...d) < 1e-6);

    const x = Float32Array.from({ length: 64 }, (_, i) => (i % 7) / 7);
    const webEncoder = await ort.InferenceSession.create(path.join(site, 'encoder.onnx'));
    const out = await webEncoder.run({ x: new ort.Tensor('float32', x, [1, 1, 8, 8]) }, ['mu', 'logsigma']);
    const model = await EncoderModel.create(encoder);
    const reference = await model.forward(x, 1);
    await model.dispose();
    expect(Array.from(out.mu.data as Float32Array)).toEqual(Array.from(reference.mu));
    expect(Array.from(out.logsigma.data as Float32Array)).toEqual(Array.from(reference.logSigma));
  });

  it('serves the site with the content types browsers need, and nothing outside it', async () => {
    const server = await serveSite(site);
    try {
      const wasm = await fetch(`${server.url}ort-wasm-simd-threaded.wasm`);
      expect(wasm.headers.get('content-type')).toBe('application/wasm');
      expect((await wasm.arrayBuffer()).byteLength).toBe(statSync(path.join(site, 'ort-wasm-simd-threaded.wasm')).size);
      expect((await fetch(`${server.url}ort-wasm-simd-threaded.mjs`)).headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(await (await fetch(server.url)).text()).toContain('<canvas id="decoded"');
      // A file beside the site, asked for with an encoded slash that URL parsing leaves in place.
      writeFileSync(path.join(tmp.dir, 'outside.txt'), 'not part of the site');
      expect(await rawStatus(server.url, '/..%2foutside.txt')).toBe(404);
      expect(await rawStatus(server.url, '/%2e%2e/outside.txt')).toBe(404);
      expect((await fetch(`${server.url}absent.js`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('takes a run folder or --decoder, not both and not neither', async () => {
    const both = await runCli(['export-web', tmp.dir, '--decoder', decoderFile]);
    expect(both.stderr).toMatch(/^langevin-pc: LPC_INVALID_ARGUMENT: give either a run folder/);
    const neither = await runCli(['export-web']);
    expect(neither.stderr).toMatch(/^langevin-pc: LPC_INVALID_ARGUMENT: /);
    const notRun = await runCli(['export-web', tmp.dir]);
    expect(notRun.stderr).toMatch(/^langevin-pc: LPC_NOT_FOUND: /);
  });
});
