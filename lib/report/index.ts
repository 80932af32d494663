/** Pictures: PNG grids of result images, and the PNG codec the data layer reads and writes folders with. */
export { type BatchShape, imageGridPng, type ImageGridOptions, writeImageGrid } from './image-grid.js';
