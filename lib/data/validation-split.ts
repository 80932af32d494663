/**
 * The validation split: images held out of a training split so that choices (step sizes, early stopping, the
 * best update) are made without touching test images. For the training split of MNIST and Fashion-MNIST it is
 * the last 10,000 images, as the literature holds them out (50,000 / 10,000); for any other set the last tenth
 * (at least one image), in the set's order.
 */
import { LpcError } from '../errors.js';
import { type ImageSet, sliceImages } from './image-set.js';

/** Images the named datasets' training splits hold out for validation. */
export const NAMED_VALIDATION_IMAGES = 10_000;

/** Training splits that hold out NAMED_VALIDATION_IMAGES (by the names their loaders give them). */
const NAMED_TRAINING_SPLITS: ReadonlySet<string> = new Set(['mnist/train', 'fashion-mnist/train']);

/** How many of `set`'s images validation takes (from its end). */
export function validationCount(set: ImageSet): number {
  if (NAMED_TRAINING_SPLITS.has(set.name) && set.count > NAMED_VALIDATION_IMAGES) return NAMED_VALIDATION_IMAGES;
  return Math.max(1, Math.round(set.count / 10));
}

/** A training split divided into the part that trains and the part that validates. */
export interface ValidationSplit {
  readonly train: ImageSet;
  readonly validation: ImageSet;
}

/**
 * Divides `set` into its training part and its last validationCount(set) images, sharing its memory.
 * LPC_INVALID_ARGUMENT when fewer than two images leave nothing to train on.
 *
 * @example
 * const { train, validation } = splitValidation(loadMnist().train);
 * [train.count, validation.count]; // [50000, 10000]
 */
export function splitValidation(set: ImageSet): ValidationSplit {
  if (set.count < 2) throw new LpcError('LPC_INVALID_ARGUMENT', `${set.name} holds ${set.count} image(s); a validation split needs at least 2 (one to train on, one to validate)`);
  const held = validationCount(set);
  return { train: sliceImages(set, 0, set.count - held, 'train'), validation: sliceImages(set, set.count - held, set.count, 'validation') };
}
