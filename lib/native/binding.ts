/**
 * The one place that loads the native addon and declares its surface.
 * Nothing else imports the raw binding; the typed classes in this folder wrap it.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const require = createRequire(import.meta.url);
// Both lib/native (sources under vitest) and dist/native (compiled) sit two levels below the package root.
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const load = require('node-gyp-build') as (dir: string) => unknown;

/** The native surface, as the addon exports it. */
export interface NativeBinding {
  readonly version: string;
}

export const binding = load(packageRoot) as NativeBinding;
