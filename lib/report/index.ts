/** Pictures: PNG grids of result images (encoded with the data layer's PNG codec). */
export { type BatchShape, imageGridPng, type ImageGridOptions, writeImageGrid } from './image-grid.js';
