"""The PyTorch peer of the training-update benchmark: the same networks, objectives and update order as
langevin-pc's trainers, timed per update on one CPU thread.

Networks: MLP decoder d -> hidden... -> 784 (ReLU, Bernoulli on logits) and encoder 784 -> hidden... -> 2d
(mu, log sigma), or the conv builder's networks (--arch conv), PyTorch's default initialisation, Adam lr
1e-3 for both.

- vae: one joint step on the negative ELBO (one reparameterised sample, analytic KL), batch mean.
- lpc: chains from the encoder's mu + sigma eps, T ULA steps with the bias-corrected RMSprop preconditioner
  (beta2 0.99, eps 1e-8, G clamped at 10), one Adam step of the decoder on the mean energy at the last
  state, then one Adam step of the encoder on forward KL at the last state plus reverse KL (decoder frozen).

Data: dynamically binarised Fashion-MNIST training images in a fixed shuffled order (or grey values with
--grey). Prints one JSON line: the median and range of the per-update times after the warm-up, and the mean
training loss of the timed updates.

Run: /usr/bin/python3 bench/peers/pytorch_peer.py --case vae --updates 50 --warmup 10
"""
import argparse
import gzip
import json
import math
import os
import sys
import time

# OpenBLAS sizes its own pool from these, not from torch.set_num_threads: read --threads before importing.
_threads = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "1"
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ[_name] = _threads


def _openblas_core():
    # In a VM that names its CPU "Intel Xeon Processor", OpenBLAS 0.3.21 falls back to its generic
    # Prescott kernels (about 10 GFLOP/s on one core); name the kernels the CPU's flags allow.
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line for line in f if line.startswith("flags")), "").split()
    except OSError:
        return None
    return "SkylakeX" if "avx512f" in flags else "Haswell" if "avx2" in flags else None


if "OPENBLAS_CORETYPE" not in os.environ and _openblas_core() is not None:
    os.environ["OPENBLAS_CORETYPE"] = _openblas_core()

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

FASHION = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"


def load_images(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255.0


def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class ConvEncoder(nn.Module):
    """The conv builder's encoder for 28x28 images: three Conv(4, stride 2)+ReLU (the first padded by 3,
    as 32x32), Flatten, Linear+ReLU layers, and one head of 2d outputs (mu, log sigma)."""

    def __init__(self, latent, hidden, channels=32):
        super().__init__()
        self.convs = nn.Sequential(
            nn.Conv2d(1, channels, 4, 2, 3), nn.ReLU(),
            nn.Conv2d(channels, channels, 4, 2, 1), nn.ReLU(),
            nn.Conv2d(channels, channels, 4, 2, 1), nn.ReLU(),
        )
        self.fc = nn.Sequential(nn.Linear(channels * 16, hidden[0]), nn.ReLU(), mlp([*hidden, 2 * latent]))

    def forward(self, x):
        h = self.convs(x.view(-1, 1, 28, 28)).flatten(1)
        return self.fc(h)


class ConvDecoder(nn.Module):
    """The conv builder's decoder: Linear+ReLU layers to 32x4x4, two ConvTranspose(4, stride 2)+ReLU and a
    last one cropped back to 28x28 (padding 3), logits out."""

    def __init__(self, latent, hidden, channels=32):
        super().__init__()
        self.channels = channels
        self.fc = nn.Sequential(mlp([latent, *hidden, channels * 16]), nn.ReLU())  # ReLU after every Linear
        self.deconvs = nn.Sequential(
            nn.ConvTranspose2d(channels, channels, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(channels, channels, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(channels, 1, 4, 2, 3),
        )

    def forward(self, z):
        return self.deconvs(self.fc(z).view(-1, self.channels, 4, 4)).flatten(1)


def nll_bernoulli(logits, x):
    # -log p(x|z) summed over pixels, per row.
    return nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1)


def energy(decoder, z, x):
    return nll_bernoulli(decoder(z), x) + 0.5 * (z * z).sum(1)


def encode(encoder, x, d):
    out = encoder(x)
    return out[:, :d], out[:, d:]


def kl_normal(mu, log_sigma):
    return 0.5 * (mu * mu + torch.exp(2 * log_sigma) - 1 - 2 * log_sigma).sum(1)


def vae_update(nets, x, args):
    decoder, encoder, opt_theta, opt_phi = nets
    mu, log_sigma = encode(encoder, x, args.latent)
    z = mu + torch.exp(log_sigma) * torch.randn_like(mu)
    loss = (nll_bernoulli(decoder(z), x) + kl_normal(mu, log_sigma)).mean()
    opt_theta.zero_grad(set_to_none=True)
    opt_phi.zero_grad(set_to_none=True)
    loss.backward()
    opt_theta.step()
    opt_phi.step()
    return loss.item()


def lpc_update(nets, x, args):
    decoder, encoder, opt_theta, opt_phi = nets
    beta2, eps, g_max, eta = 0.99, 1e-8, 10.0, args.step_size
    with torch.no_grad():
        mu, log_sigma = encode(encoder, x, args.latent)
        z = mu + torch.exp(log_sigma) * torch.randn_like(mu)
    v = torch.zeros_like(z)
    for t in range(1, args.steps + 1):
        z.requires_grad_(True)
        (g,) = torch.autograd.grad(energy(decoder, z, x).sum(), z)
        with torch.no_grad():
            v = beta2 * v + (1 - beta2) * g * g
            G = torch.clamp(1 / (torch.sqrt(v / (1 - beta2**t)) + eps), max=g_max)
            z = z - eta * G * g + torch.sqrt(2 * eta * G) * torch.randn_like(z)
    z = z.detach()
    loss = energy(decoder, z, x).mean()
    opt_theta.zero_grad(set_to_none=True)
    loss.backward()
    opt_theta.step()
    # Encoder: forward KL at z_T plus reverse KL at a fresh sample, the decoder frozen.
    mu, log_sigma = encode(encoder, x, args.latent)
    u = (z - mu) / torch.exp(log_sigma)
    forward = (log_sigma + 0.5 * math.log(2 * math.pi) + 0.5 * u * u).sum(1).mean()
    zr = mu + torch.exp(log_sigma) * torch.randn_like(mu)
    for p in decoder.parameters():
        p.requires_grad_(False)
    reverse = (nll_bernoulli(decoder(zr), x) + kl_normal(mu, log_sigma)).mean()
    opt_phi.zero_grad(set_to_none=True)
    (forward + reverse).backward()
    opt_phi.step()
    for p in decoder.parameters():
        p.requires_grad_(True)
    return loss.item()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--case", choices=["vae", "lpc"], required=True)
    parser.add_argument("--arch", choices=["mlp", "conv"], default="mlp")
    parser.add_argument("--hidden", default=None, help="default 512,512 (mlp) or 256,256 (conv)")
    parser.add_argument("--latent", type=int, default=32)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--step-size", type=float, default=0.3)
    parser.add_argument("--grey", action="store_true")
    parser.add_argument("--updates", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    hidden = [int(h) for h in (args.hidden or ("512,512" if args.arch == "mlp" else "256,256")).split(",")]
    if args.arch == "mlp":
        decoder = mlp([args.latent, *hidden, 784])
        encoder = mlp([784, *hidden, 2 * args.latent])
    else:
        decoder = ConvDecoder(args.latent, hidden)
        encoder = ConvEncoder(args.latent, hidden)
    nets = (decoder, encoder, torch.optim.Adam(decoder.parameters(), lr=1e-3), torch.optim.Adam(encoder.parameters(), lr=1e-3))
    images = load_images(FASHION)
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(images))
    update = vae_update if args.case == "vae" else lpc_update
    times, losses = [], []
    for i in range(args.warmup + args.updates):
        rows = order[(i * args.batch) % len(images) :][: args.batch]
        x = torch.from_numpy(images[rows])
        if not args.grey:
            x = (torch.rand_like(x) < x).float()
        start = time.perf_counter()
        loss = update(nets, x, args)
        elapsed = time.perf_counter() - start
        if i >= args.warmup:
            times.append(elapsed)
            losses.append(loss)
    times.sort()
    print(json.dumps({
        "peer": "pytorch",
        "version": torch.__version__,
        "case": args.case,
        "threads": torch.get_num_threads(),
        "openblasCore": os.environ.get("OPENBLAS_CORETYPE", "detected"),
        "msMedian": 1000 * times[len(times) // 2],
        "msMin": 1000 * times[0],
        "msMax": 1000 * times[-1],
        "loss": sum(losses) / len(losses),
    }))


if __name__ == "__main__":
    main()
