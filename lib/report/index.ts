/** Pictures of results: PNG image grids. */
export { type BatchShape, imageGridPng, type ImageGridOptions, writeImageGrid } from './image-grid.js';
