// What a benchmark result was measured on, recorded beside its numbers: CPU model, cores, load, Node and
// onnxruntime-node versions.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';

const require = createRequire(import.meta.url);

/** The machine and runtime versions, with the load average when the run started. */
export function machineInfo() {
  const ort = JSON.parse(readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8'));
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    platform: `${os.platform()} ${os.arch()}`,
    node: process.version,
    onnxruntimeNode: ort.version,
    loadAverage: os.loadavg().map((v) => Number(v.toFixed(2))),
    date: new Date().toISOString(),
  };
}
