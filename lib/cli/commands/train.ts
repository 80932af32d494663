/**
 * `langevin-pc train`: trains a decoder (and an encoder) with Langevin predictive coding or as a VAE, on MNIST,
 * Fashion-MNIST or images from a path, evaluating on fixed test images as it goes, checkpointing crash-safely,
 * resumable bit for bit. The loop lives in ../train-run.ts, the configuration in ../train-config.ts and
 * ../train-plan.ts, the defaults in ../train-defaults.ts; this file declares the options.
 */
import type { Command } from 'commander';
import { INTERRUPTED_EXIT_CODE } from '../interrupt.js';
import * as flags from '../options.js';
import { PRECONDITIONERS } from '../../native/index.js';
import type { TrainFlags } from '../train-config.js';
import { TRAIN_DEFAULTS as D } from '../train-defaults.js';
import { runTrain } from '../train-run.js';

/** Adds the train subcommand to the program. */
export function register(program: Command): void {
  const command = program
    .command('train')
    .description('train a decoder (and encoder) with Langevin predictive coding or as a VAE; writes DIR/decoder.onnx, encoder.onnx, samples.png, metrics.json and checkpoint/')
    // Data.
    .option('--dataset <name|path>', `mnist, fashion-mnist, or a folder of PNGs / .png / .npy / IDX file (its last tenth is held out for testing) (default ${D.dataset})`)
    .option('--train-images <n>', 'train on the first n images of the training split (default all)')
    .option(
      '--validation',
      'hold out the last 10,000 training images of mnist and fashion-mnist (the last tenth of the training part of a path), evaluate on them instead of test images, and keep the networks of the best validation NLL in DIR/best/',
    )
    .option('--binarize', 'binarise every minibatch afresh (pixel = 1 with probability its grey value) and score a fixed binarised test copy, so the Bernoulli NLL is a proper likelihood')
    // Algorithm.
    .option('--algo <algo>', `lpc (Langevin predictive coding) or vae (default ${D.algo})`)
    .option('--init <where>', `lpc: start chains from the prior or from an encoder trained alongside (default ${D.init})`)
    .option('--encoder-objective <kl>', `lpc: train an encoder for warm-starts with forward, reverse or jeffreys KL (default ${D.encoderObjective} when there is an encoder)`)
    .option('--precond <kind>', `lpc: Langevin preconditioner ${PRECONDITIONERS.join(', ')} (default ${D.precond})`)
    .option('--momentum', "lpc: drift along the adam preconditioner's first moment (needs --precond adam)")
    .option('--sampler <kind>', `lpc: ula or mala (mala adapts step sizes during the burn-in, then is exact) (default ${D.sampler})`)
    .option('--steps <T>', `lpc: Langevin steps per minibatch (default ${D.steps})`)
    .option('--step-size <eta>', `lpc: Langevin step size (default ${D.stepSize})`)
    .option('--burn-in <n>', `lpc: states left out of the decoder's gradient with --theta-grad mean (default min(${D.burnIn}, T/2))`)
    .option('--theta-grad <mode>', `lpc: decoder gradient from the mean over kept states or the last state (default ${D.thetaGrad})`)
    .option('--chains <K>', `lpc: chains per image (default ${D.chains})`)
    // Length and optimiser.
    .option('--epochs <n>', `train for n epochs in total (default ${D.epochs} when --updates is not given)`)
    .option('--updates <n>', 'train for n updates in total (instead of --epochs)')
    .option('--batch <B>', `minibatch size (default ${D.batch})`)
    .option('--lr <rate>', `Adam learning rate of decoder and encoder (default ${D.lr})`)
    // Networks.
    .option('--arch <arch>', `builder of the networks not loaded from files: mlp or conv (default ${D.arch})`)
    .option('--hidden <widths>', `hidden layer widths of the builder, e.g. 512,512 (default ${D.hidden.join(',')} for mlp, the conv builder's for conv)`)
    .option('--latent <d>', `latent size of built networks (default ${D.latent}); with --decoder only when the model leaves it open`)
    .option('--decoder <model.onnx>', 'start from a pretrained ONNX decoder (latent size, layout and range come from the model)')
    .option('--encoder <model.onnx>', 'start from a pretrained ONNX encoder (outputs mu and log sigma, or log variance: see --encoder-output)')
    .option('--layout <layout>', 'with --decoder: axis order of its image output, nchw or nhwc (default: detected)')
    .option('--range <range>', 'with --decoder: its output range, 01 (sigmoid) or 11 (tanh) (default: detected)');
  flags.addEncoderOptions(command);
  flags.addLikelihoodOptions(command);
  command
    // Evaluation and checkpoints.
    .option('--eval-every <n>', 'evaluate on the validation images (with --validation) or else the test images every n updates (default: at the end of each epoch), and always at the end')
    .option('--eval-images <n>', `images evaluated (the first n of the validation or test split) (default ${D.evalImages})`)
    .option('--eval-iwae <K>', `importance samples per image of the test NLL during training (default ${D.evalIwae})`)
    .option('--checkpoint-every <n>', `checkpoint every n updates, and at the end of each epoch and of the run (default ${D.checkpointEvery})`)
    .option('--seed <n>', 'seed of every random number: initialisation, data order, binarisation, Langevin noise, evaluation (default 0)')
    .option('--out <dir>', 'the run folder (created when absent) (default run)')
    .option(
      '--resume',
      "continue the run in --out from its newest checkpoint, bit for bit as if never stopped; options not given keep the run's values, options given must agree (except --epochs, --updates, --checkpoint-every, --threads, --worker)",
    )
    .option('--worker', 'train in a worker thread (the main thread stays free for progress and signals)')
    .option('--threads <n>', "intra-op threads of each onnxruntime session (default: onnxruntime's choice); keep it fixed for bit-identical resumes")
    .option('--json', 'print one JSON object (the content of metrics.json) and no progress')
    .addHelpText(
      'after',
      [
        '',
        'Ctrl-C finishes the current update, writes a checkpoint and exits with status 130 (again: exit at once).',
        'Defaults are set in lib/cli/train-defaults.ts from the evidence benchmark (bench/RESULTS.md, "Evidence: LPC vs VAE on Fashion-MNIST").',
        '',
      ].join('\n'),
    )
    .action(async (options: TrainFlags) => {
      const result = await runTrain(options, { stdout: (s) => process.stdout.write(s), stderr: process.stderr });
      if (result.interrupted) process.exitCode = INTERRUPTED_EXIT_CODE;
    });
}
