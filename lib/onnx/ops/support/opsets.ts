/**
 * The default-domain opsets the operator definitions cover, written once: a definition valid from its first
 * opset to the newest one handled writes [first, MAX_OPSET], one valid throughout writes ALL_OPSETS.
 */

/** The oldest opset handled. */
export const MIN_OPSET = 9;
/** The newest opset handled. */
export const MAX_OPSET = 23;
/** Every opset handled. */
export const ALL_OPSETS: readonly [number, number] = [MIN_OPSET, MAX_OPSET];
