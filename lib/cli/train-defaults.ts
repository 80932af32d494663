/**
 * The defaults of `langevin-pc train`, in one place.
 *
 * PROVISIONAL: the evidence benchmark (bench/, recorded in bench/RESULTS.md) decides these values from its
 * measurements (test NLL per update and per second for the VAE and Langevin PC variants on binarised
 * Fashion-MNIST); until it has, they follow the settings the training tests showed to work on MNIST and the
 * reference network of the issue (MLP 784-512-512-32, batch 64, Adam 1e-3). Change them here only; the
 * command's help text and its checks read them from this object.
 */
export const TRAIN_DEFAULTS = {
  dataset: 'mnist',
  algo: 'lpc',
  /** Builder of the networks that are not loaded from files. */
  arch: 'mlp',
  /** Hidden widths of the builders (input side first). */
  hidden: [512, 512],
  latent: 32,
  batch: 64,
  /** Adam's learning rate, decoder and encoder alike. */
  lr: 1e-3,
  /** Run length when neither --epochs nor --updates is given. */
  epochs: 5,
  // Langevin PC.
  steps: 20,
  stepSize: 0.1,
  precond: 'none',
  chains: 1,
  /** States z_1 .. z_burnIn are left out of the decoder's gradient (thetaGrad 'mean'). */
  burnIn: 10,
  thetaGrad: 'mean',
  sampler: 'ula',
  /** Objective of the encoder of amortised LPC (the paper's final method). */
  encoderObjective: 'jeffreys',
  // Evaluation during training, on the first evalImages test images.
  /** Evaluate every this many updates, or 'epoch': at the end of each epoch. Always also at the end of the run. */
  evalEvery: 'epoch' as number | 'epoch',
  evalImages: 200,
  /** Importance samples per image (K of nllK). */
  evalIwae: 100,
  /** Checkpoint every this many updates (and at the end of each epoch and of the run). */
  checkpointEvery: 500,
} as const;
