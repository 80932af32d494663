/**
 * The test NLL of a finished run's saved networks (models/<id>/) on the whole fixed binarised test set, with
 * the same estimator as during training (the encoder-free estimate is left out here: it would add two thirds to
 * the cost of a model with an encoder; the final points on the subset have it). Writes one line
 * to runs/<id>.full.jsonl.
 *
 * Run: node bench/evidence/full-eval.mjs <id>   (the driver, evidence.mjs, does this)
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDecoder, loadEncoder, setThreads } from '../../dist/index.js';
import { NET, OUT_DIR } from './config.mjs';
import { evidenceData } from './data.mjs';
import { testNll } from './evaluate.mjs';

const id = process.argv[2];
const modelDir = path.join(OUT_DIR, 'models', id);
setThreads(1);
const { test } = evidenceData();
const decoder = await loadDecoder(path.join(modelDir, 'decoder.onnx'), { imageShape: NET.imageShape });
const encoderFile = path.join(modelDir, 'encoder.onnx');
const encoder = existsSync(encoderFile) ? await loadEncoder(encoderFile, { imageShape: NET.imageShape }) : null;
const result = await testNll(decoder, encoder, test);
mkdirSync(path.join(OUT_DIR, 'runs'), { recursive: true });
writeFileSync(path.join(OUT_DIR, 'runs', `${id}.full.jsonl`), `${JSON.stringify({ type: 'full', id, ...result, cpus: os.cpus().length, time: new Date().toISOString() })}\n`);
console.log(`${id}: full test set (${result.images}): NLL ${result.nll.toFixed(2)} +- ${result.nllStdErr.toFixed(2)} (${result.proposal}), ${result.evalSeconds.toFixed(0)} s`);
