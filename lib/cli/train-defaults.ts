/**
 * The defaults of `langevin-pc train`, in one place; the command's help text and its checks read them from here.
 *
 * Chosen on validation images by the validated evidence study, bench/RESULTS.md, section "Evidence on
 * validation" (binarised MNIST and Fashion-MNIST with a 50,000 / 10,000 train / validation split, MLP
 * 784-512-512-32, batch 64, one epoch per candidate, 15 candidates for LPC and 15 learning rates for the VAE):
 * both datasets selected the same LPC settings. The network and batch are the study's own.
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
  /**
   * Adam's learning rate, decoder and encoder alike, per algorithm. The VAE's is its validated best on MNIST
   * (110.5 nats against 110.9 at 1e-3; Fashion-MNIST chose 0.00215, 1.0 nats ahead of 0.00147). LPC's was not
   * tuned: the study spent LPC's budget on the Langevin settings at 1e-3.
   */
  lr: { lpc: 1e-3, vae: 0.00147 },
  /** Run length when neither --epochs nor --updates is given. */
  epochs: 5,
  // Langevin PC.
  /**
   * Chains start from an encoder trained alongside (amortised LPC): from the prior, validation NLL after one
   * epoch was 2.1 (MNIST) and 3.0 (Fashion-MNIST) nats above the amortised run with the same settings.
   */
  init: 'encoder',
  /** T = 20: at T = 5 validation NLL was 6.9 (MNIST) and 4.1 (Fashion-MNIST) nats higher. */
  steps: 20,
  /**
   * adam (no momentum) at eta 0.3, the best preconditioner and step size on both datasets: on MNIST 0.56 nats
   * below rmsprop at 0.3, on Fashion-MNIST level with it; eta 0.1 and 1 were 1.1 to 12 nats worse. adam with
   * momentum (the paper's final method) was best at eta 0.1 and still 6.8 (MNIST) and 3.3 (Fashion-MNIST) nats
   * behind.
   */
  stepSize: 0.3,
  precond: 'adam',
  chains: 1,
  /** States z_1 .. z_burnIn are left out of the decoder's gradient with thetaGrad 'mean' (not the default). */
  burnIn: 10,
  /**
   * The decoder's gradient at the last state (the study's setting): with Jeffreys it had ended level with the
   * mean over all 20 states at 53% of the cost per update (the earlier Fashion-MNIST study).
   */
  thetaGrad: 'last',
  sampler: 'ula',
  /**
   * Objective of the encoder: reverse KL, the lowest validation NLL on both datasets (MNIST: reverse, Jeffreys,
   * forward within 0.35 nats; Fashion-MNIST: 0.2 below Jeffreys, 0.7 below forward).
   */
  encoderObjective: 'reverse',
  // Evaluation during training, on the first evalImages test images.
  /** Evaluate every this many updates, or 'epoch': at the end of each epoch. Always also at the end of the run. */
  evalEvery: 'epoch' as number | 'epoch',
  evalImages: 200,
  /** Importance samples per image (K of nllK). */
  evalIwae: 100,
  /** Checkpoint every this many updates (and at the end of each epoch and of the run). */
  checkpointEvery: 500,
} as const;
