/**
 * The defaults of `langevin-pc train`, in one place; the command's help text and its checks read them from here.
 *
 * Chosen from the evidence benchmark, bench/RESULTS.md, section "Evidence: LPC vs VAE on Fashion-MNIST"
 * (binarised Fashion-MNIST, MLP 784-512-512-32, batch 64, Adam 1e-3, 5 epochs): the Langevin settings are
 * those of the best-measured LPC configuration per second among those tied per update with the best (see the
 * comments below). The network, batch and learning rate are the benchmark's own.
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
  /**
   * Chains start from an encoder trained alongside (amortised LPC): from the prior, 5 epochs ended 2.9 nats
   * (decoder gradient at the last state) to 18 nats (mean over all states) above the amortised runs.
   */
  init: 'encoder',
  /** T = 20: at T = 5 the amortised run ended 4 nats higher, and per second it trailed T = 20 at the last state. */
  steps: 20,
  /**
   * rmsprop at its sweep's eta, 0.3. The preconditioner made no measurable difference (amortised Jeffreys:
   * 237.27 nats with rmsprop, 237.24 without at eta 0.1; sweep from the prior: best points within 1.2 nats);
   * it is kept because every default combination (amortised or from the prior, last state) was measured with it.
   */
  stepSize: 0.3,
  precond: 'rmsprop',
  chains: 1,
  /** States z_1 .. z_burnIn are left out of the decoder's gradient with thetaGrad 'mean' (not the default). */
  burnIn: 10,
  /**
   * The decoder's gradient at the last state: with Jeffreys it ended level with the mean over all 20 states
   * (237.24 against 237.27 nats) at 53% of the cost per update, and from the prior 15 nats better than that mean.
   */
  thetaGrad: 'last',
  sampler: 'ula',
  /**
   * Objective of the encoder: Jeffreys, the one measured with the last-state gradient. The three objectives
   * ended within 1.1 nats of each other; reverse was 0.4 nats below Jeffreys, about its own spread over three
   * seeds (0.33).
   */
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
