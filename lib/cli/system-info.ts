/**
 * What `langevin-pc info` reports: the versions in play, onnxruntime's execution providers, the native addon's
 * threads, instruction sets and CUDA state (compiled or not, and why no device), and where the named data sets
 * were found. Gathering it loads the addon and nothing else heavy: no session, no data read.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { fashionMnistDirectory, FASHION_MNIST_DIR_ENV } from '../data/fashion-mnist.js';
import { locateMnistPackage } from '../data/mnist.js';
import { cudaStatus, type CudaStatus, getThreads, hardwareThreads } from '../native/runtime.js';

/** `info --json`. */
export interface SystemInfo {
  /** This package's version. */
  version: string;
  node: string;
  platform: string;
  onnxruntime: { version: string; executionProviders: { name: string; bundled: boolean }[]; web: string | null };
  threads: { native: number; hardware: number; onnxruntime: string };
  cuda: CudaStatus;
  native: { baseline: string; clones: string[]; cpuLevel: string | null; picked: string };
  datasets: Record<string, { found: boolean; where: string }>;
}

const require = createRequire(import.meta.url);

/** The x86-64 levels the addon's hot loops are compiled for (CMakeLists.txt and native/core/hd.h), best first. */
const CLONES = ['x86-64-v4', 'x86-64-v3', 'x86-64-v2'] as const;

/** CPU flags each level needs beyond the one below it (the psABI's definition, which GCC's resolver follows). */
const LEVEL_FLAGS: Readonly<Record<string, readonly string[]>> = {
  'x86-64-v3': ['avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'abm', 'movbe', 'xsave'],
  'x86-64-v4': ['avx512f', 'avx512bw', 'avx512cd', 'avx512dq', 'avx512vl'],
};

/** Gathers the report. */
export function systemInfo(): SystemInfo {
  // The clones exist only in x86-64 builds; elsewhere the compiler's default for the architecture is all there is.
  const x64 = process.arch === 'x64';
  const level = x64 ? cpuLevel() : null;
  return {
    version: packageVersion(new URL('../../package.json', import.meta.url)),
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
    onnxruntime: {
      version: packageVersion(require.resolve('onnxruntime-node/package.json')),
      executionProviders: ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled })),
      web: webVersion(),
    },
    threads: { native: getThreads(), hardware: hardwareThreads(), onnxruntime: "each session's intra-op pool: onnxruntime's choice unless --threads sets it" },
    cuda: cudaStatus(),
    native: {
      baseline: x64 ? 'x86-64-v2' : `the compiler's default for ${process.arch}`,
      clones: x64 ? [...CLONES] : [],
      cpuLevel: level,
      picked: level ?? (x64 ? 'unknown (no /proc/cpuinfo to read the CPU flags from)' : `the ${process.arch} build`),
    },
    datasets: { mnist: mnistLocation(), 'fashion-mnist': fashionMnistLocation() },
  };
}

function packageVersion(file: string | URL): string {
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

function webVersion(): string | null {
  try {
    return packageVersion(path.join(path.dirname(require.resolve('onnxruntime-web/wasm')), '..', 'package.json'));
  } catch {
    return null;
  }
}

/** The best level of CLONES this CPU supports, from /proc/cpuinfo's flags (null where there is none). */
function cpuLevel(): string | null {
  let flags: Set<string>;
  try {
    const line = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (line === null) return null;
    flags = new Set(line[1].trim().split(/\s+/));
  } catch {
    return null;
  }
  const has = (level: string) => LEVEL_FLAGS[level].every((f) => flags.has(f));
  if (!has('x86-64-v3')) return 'x86-64-v2';
  return has('x86-64-v4') ? 'x86-64-v4' : 'x86-64-v3';
}

function mnistLocation(): { found: boolean; where: string } {
  try {
    return { found: true, where: locateMnistPackage(import.meta.url) };
  } catch (error) {
    return { found: false, where: (error as Error).message };
  }
}

function fashionMnistLocation(): { found: boolean; where: string } {
  const dir = fashionMnistDirectory();
  const found = ['train-images-idx3-ubyte.gz', 'train-images-idx3-ubyte'].some((f) => existsSync(path.join(dir, f)));
  const source = process.env[FASHION_MNIST_DIR_ENV] ? `$${FASHION_MNIST_DIR_ENV}` : 'the default folder';
  return { found, where: found ? dir : `${dir} (${source}) has no train-images-idx3-ubyte[.gz]; install Debian's dataset-fashion-mnist or set ${FASHION_MNIST_DIR_ENV}` };
}

/** The report as lines of text. */
export function describeSystem(info: SystemInfo): string {
  const cuda = info.cuda;
  const lines = [
    `langevin-pc ${info.version} on Node ${info.node} (${info.platform})`,
    `onnxruntime-node ${info.onnxruntime.version}; execution providers: ${info.onnxruntime.executionProviders.map((p) => `${p.name}${p.bundled ? '' : ' (not bundled)'}`).join(', ')}`,
    `onnxruntime-web ${info.onnxruntime.web ?? 'not installed'} (export-web)`,
    `native addon: baseline ${info.native.baseline}${info.native.clones.length > 1 ? `, hot loops also built for ${info.native.clones.slice(0, -1).join(', ')}` : ''}; this CPU runs ${info.native.picked}`,
    `threads: native ${info.threads.native} of ${info.threads.hardware} hardware threads; onnxruntime: ${info.threads.onnxruntime}`,
    `CUDA: ${cuda.compiled ? 'compiled' : 'not compiled'}, ${cuda.available ? `${cuda.deviceCount} device(s)` : `no device: ${cuda.reason}`}`,
    ...Object.entries(info.datasets).map(([name, d]) => `${name}: ${d.found ? `found in ${d.where}` : `not found: ${d.where}`}`),
  ];
  return `${lines.join('\n')}\n`;
}
