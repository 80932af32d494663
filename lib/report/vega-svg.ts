/**
 * Vega-Lite charts drawn to SVG text in Node: the spec is compiled to Vega by vega-lite, and a headless Vega
 * view renders it with its SVG string renderer (no canvas, no browser). Data are inline values only, so the
 * view never loads anything.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A Vega-Lite specification (top level). */
export type ChartSpec = TopLevelSpec;

/**
 * The SVG markup of `spec`.
 *
 * @example
 * const svg = await chartSvg({ data: { values: [{ x: 1, y: 2 }] }, mark: 'point', encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } });
 */
export async function chartSvg(spec: ChartSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
