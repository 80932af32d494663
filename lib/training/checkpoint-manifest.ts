/**
 * The checkpoint manifest: one small JSON file that names the generations a checkpoint directory holds,
 * newest (current) first, each with its files' sizes and SHA-256 digests and the caller's metadata.
 * A generation folder exists on disk before the manifest names it, so whatever the manifest names is
 * complete; folders it does not name are leftovers of an interrupted write.
 */
import { createHash } from 'node:crypto';
import { LpcError } from '../errors.js';

/** The manifest's file name inside a checkpoint directory. */
export const MANIFEST_NAME = 'manifest.json';

/** Prefix of the temporary file a new manifest is written to before it is renamed over the old one. */
export const MANIFEST_TEMP_PREFIX = 'manifest.json.tmp-';

const FORMAT = 'langevin-pc/checkpoint';
const VERSION = 1;
const GENERATION_FOLDER = /^gen-(\d{6,})$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** One file of a generation as the manifest records it. */
export interface ManifestFile {
  /** File name inside the generation folder. */
  name: string;
  /** Size in bytes. */
  bytes: number;
  /** SHA-256 of the content, lower-case hex. */
  sha256: string;
}

/** One complete generation as the manifest records it. */
export interface ManifestGeneration {
  /** Generation number, 1 for the first write; strictly increasing, never reused. */
  generation: number;
  /** When the write of this generation finished, as an ISO 8601 string. */
  written: string;
  files: ManifestFile[];
  /** The caller's metadata, a JSON object. */
  meta: Record<string, unknown>;
}

/** The parsed manifest. */
export interface Manifest {
  /** Kept generations, newest first; `generations[0]` is the current one. */
  generations: ManifestGeneration[];
}

/** The folder name of a generation: gen-000001, gen-000002, ... (more digits past 999999). */
export function generationFolder(generation: number): string {
  return `gen-${String(generation).padStart(6, '0')}`;
}

/** The generation number a folder name encodes, or null for a name that is not a generation folder. */
export function parseGenerationFolder(name: string): number | null {
  const match = GENERATION_FOLDER.exec(name);
  return match === null ? null : Number(match[1]);
}

/**
 * Why `name` cannot be a checkpoint file name, or null when it can. A name is one path component:
 * no separators (`/`, `\`), no `:` (a Windows drive or stream), no NUL, not `.` or `..`, at most 255 bytes.
 */
export function fileNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'must be a non-empty string';
  if (name === '.' || name === '..') return 'must not be "." or ".."';
  if (/[/\\:\0]/.test(name)) return 'must be a single file name (no "/", "\\", ":" or NUL)';
  if (Buffer.byteLength(name, 'utf8') > 255) return 'must be at most 255 bytes long';
  return null;
}

/** SHA-256 of `bytes` in lower-case hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The manifest as the bytes written to disk (pretty-printed: people read it when something fails). */
export function serializeManifest(manifest: Manifest): Uint8Array {
  const current = manifest.generations[0]?.generation ?? null;
  const json = { format: FORMAT, version: VERSION, current, generations: manifest.generations };
  return Buffer.from(JSON.stringify(json, null, 2) + '\n', 'utf8');
}

/**
 * Parses and checks a manifest read from `path`. Every field is checked, file names included, so a
 * damaged or hostile manifest cannot send a read outside the checkpoint directory.
 */
export function parseManifest(path: string, text: string): Manifest {
  const fail = (problem: string): never => {
    throw new LpcError('LPC_CHECKPOINT', `checkpoint manifest ${path} ${problem}; the checkpoint cannot be read`);
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    fail(`is not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(json)) return fail('is not a JSON object');
  if (json.format !== FORMAT) fail(`has format ${JSON.stringify(json.format)}, expected "${FORMAT}"`);
  if (json.version !== VERSION) fail(`has version ${JSON.stringify(json.version)}, expected ${VERSION}`);
  if (!Array.isArray(json.generations) || json.generations.length === 0) fail('lists no generations');
  const generations = (json.generations as unknown[]).map((entry, i) => parseGeneration(entry, `generations[${i}]`, fail));
  if (json.current !== generations[0].generation) {
    fail(`names current generation ${JSON.stringify(json.current)} but lists ${generations[0].generation} first`);
  }
  for (let i = 1; i < generations.length; i++) {
    if (!(generations[i].generation < generations[i - 1].generation)) fail('lists generations out of order');
  }
  return { generations };
}

function parseGeneration(entry: unknown, where: string, fail: (problem: string) => never): ManifestGeneration {
  if (!isObject(entry)) return fail(`${where} is not an object`);
  const { generation, written, files, meta } = entry;
  if (!Number.isSafeInteger(generation) || (generation as number) < 1) fail(`${where}.generation is not a positive integer`);
  if (typeof written !== 'string') fail(`${where}.written is not a string`);
  if (!isObject(meta)) fail(`${where}.meta is not an object`);
  if (!Array.isArray(files)) return fail(`${where}.files is not an array`);
  const seen = new Set<string>();
  const parsed = files.map((file: unknown, j): ManifestFile => {
    const at = `${where}.files[${j}]`;
    if (!isObject(file)) return fail(`${at} is not an object`);
    const problem = fileNameProblem(file.name);
    if (problem !== null) fail(`${at}.name ${problem}`);
    if (seen.has(file.name as string)) fail(`${at}.name ${JSON.stringify(file.name)} is listed twice`);
    seen.add(file.name as string);
    if (!Number.isSafeInteger(file.bytes) || (file.bytes as number) < 0) fail(`${at}.bytes is not a byte count`);
    if (typeof file.sha256 !== 'string' || !SHA256_HEX.test(file.sha256)) fail(`${at}.sha256 is not a SHA-256 hex digest`);
    return { name: file.name as string, bytes: file.bytes as number, sha256: file.sha256 as string };
  });
  return {
    generation: generation as number,
    written: written as string,
    files: parsed,
    meta: meta as Record<string, unknown>,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
