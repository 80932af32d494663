// The benchmark suites that `npm run bench` and `langevin-pc bench` run: each is a script that takes
// --quick and writes bench/results/<name>.json (<name>-quick.json in quick mode).

/** Suites in the order they run; `needs` names what a suite needs beyond the package. */
export const SUITES = [
  { name: 'update-profile', script: 'update-profile.mjs', what: 'phases of a VAE and an LPC update, and the roofline (MatMul ceiling at the layer shapes)' },
  { name: 'threads', script: 'training-threads.mjs', what: 'training updates at one thread and at the machine cores' },
  { name: 'throughput', script: 'training-throughput.mjs', what: 'LPC update cost against T in {1, 5, 20, 50}' },
  { name: 'memory', script: 'training-memory.mjs', what: 'peak RSS of LPC training against batch size and chains' },
  { name: 'spatial', script: 'spatial-decoder.mjs', what: 'Langevin steps through an 8x upsampling conv decoder (32x32 RGB, 64 channels): time per image, GFLOP/s against the Conv ceiling' },
  { name: 'peers', script: 'peers/peers.mjs', what: 'PyTorch side by side at one thread', needs: 'python3-torch and libopenblas0-pthread (bench/peers/install.sh)' },
];
