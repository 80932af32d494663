/**
 * The browser latent explorer: a static site of a decoder (and encoder) on onnxruntime-web, and a server for it.
 *
 * @module web
 */
export { type ExplorerSite, writeExplorerSite } from './write-site.js';
export { serveSite, type SiteServer } from './serve-site.js';
export type { SiteModelInfo } from './site-models.js';
