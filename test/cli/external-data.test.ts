/**
 * Every command reads external data from the model's own folder and nowhere else: a decoder whose If branch
 * names data.bin is sampled with the folder's data.bin, never the working directory's, and a location that
 * leaves the folder is a coded error from sample, infer, eval, train and check-grad alike.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeModel } from '../../lib/onnx/codec.js';
import { embeddedDecoder, ifBranchExternal } from '../onnx/fixtures/external-data.js';
import { runCli, saveImages, tempFolder, type SavedImages } from './support.js';

const tmp = tempFolder('lpc-cli-external-');
afterAll(() => tmp.dispose());

/** Writes the If-branch decoder naming `location` as `dir`/decoder.onnx; returns its path and the branch's weight. */
function branchDecoder(dir: string, location: string): { file: string; weight: Uint8Array } {
  mkdirSync(dir, { recursive: true });
  const { proto, weight } = ifBranchExternal(location);
  const file = path.join(dir, 'decoder.onnx');
  writeFileSync(file, encodeModel(proto));
  return { file, weight };
}

describe('external data in the CLI', () => {
  let images: SavedImages;
  let reference: string;
  beforeAll(async () => {
    reference = path.join(tmp.dir, 'embedded.onnx');
    writeFileSync(reference, embeddedDecoder());
    images = await saveImages(reference, path.join(tmp.dir, 'images'), 4, 5);
  });

  it("samples with the data.bin of the model's folder, not the working directory's", async () => {
    const { file, weight } = branchDecoder(path.join(tmp.dir, 'with-data'), 'data.bin');
    writeFileSync(path.join(path.dirname(file), 'data.bin'), weight);
    const cwd = path.join(tmp.dir, 'cwd');
    mkdirSync(cwd);
    // The working directory holds a data.bin of the right size and different values.
    writeFileSync(path.join(cwd, 'data.bin'), new Uint8Array(weight.byteLength).fill(0x3f));
    const { file: orphan } = branchDecoder(path.join(tmp.dir, 'without-data'), 'data.bin');
    const before = process.cwd();
    process.chdir(cwd);
    try {
      const args = (model: string, out: string) => ['sample', model, '-n', '4', '--seed', '3', '--out', path.join(tmp.dir, out)];
      const ok = await runCli(args(file, 'from-folder'));
      expect(ok.code, ok.stderr).toBe(0);
      const embedded = await runCli(args(reference, 'from-embedded'));
      expect(embedded.code, embedded.stderr).toBe(0);
      // Same weights, same seed: the same grid, byte for byte.
      expect(readFileSync(path.join(tmp.dir, 'from-folder', 'samples.png'))).toEqual(readFileSync(path.join(tmp.dir, 'from-embedded', 'samples.png')));
      const missing = await runCli(args(orphan, 'orphan'));
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^langevin-pc: LPC_INVALID_MODEL: initializer 'branch.weight' .*external data 'data.bin', which cannot be read/);
    } finally {
      process.chdir(before);
    }
  });

  it('refuses a location outside the folder from every command, naming the tensor', async () => {
    const { file, weight } = branchDecoder(path.join(tmp.dir, 'hostile', 'model'), '../data.bin');
    writeFileSync(path.join(tmp.dir, 'hostile', 'data.bin'), weight);
    const out = (name: string) => path.join(tmp.dir, 'hostile-out', name);
    const runs = {
      sample: ['sample', file, '-n', '2', '--out', out('sample')],
      infer: ['infer', file, '--images', images.pngDir, '--steps', '2', '--out', out('infer')],
      eval: ['eval', file, '--dataset', images.npyFile, '--images', '2', '--iwae', '2'],
      train: ['train', '--dataset', images.npyFile, '--decoder', file, '--init', 'prior', '--updates', '1', '--out', out('train')],
      'check-grad': ['check-grad', file],
    };
    for (const [command, args] of Object.entries(runs)) {
      const run = await runCli(args);
      expect(run.code, `${command}: ${run.stderr}`).toBe(1);
      expect(run.stderr, command).toMatch(/^langevin-pc: LPC_INVALID_MODEL: initializer 'branch.weight' in the subgraph of attribute 'then_branch' .*external data at '..\/data.bin'/);
    }
  });
});
