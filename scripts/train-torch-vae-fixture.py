"""Trains a small VAE on Fashion-MNIST in PyTorch, exports its decoder and encoder with torch.onnx.export,
and writes PyTorch's own per-image evaluation of it: the test fixture that checks the package's ELBO and
importance-sampled log-likelihood against an independent implementation.

The decoder is z (16) -> 256 -> 784 with ReLU and a final Sigmoid, reshaped to [batch, 1, 28, 28]; the
encoder is x [batch, 1, 28, 28] -> 256 -> (mu, log_var). Training: dynamically binarised training images,
batch 128, Adam 1e-3, 10 epochs, negative ELBO with the analytic KL. Evaluation, in float64 on the first
IMAGES test images binarised at x >= 128: the ELBO (encoder proposal, SAMPLES_ELBO draws) and the IWAE
estimate with K = 1000 drawn REPEATS times independently (mean and standard deviation per image).

Run where torch is installed, with the Debian package's IDX files:
    python3 scripts/train-torch-vae-fixture.py /usr/share/datasets/fashion-mnist test/eval/torch-vae
"""

import gzip
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

LATENT, HIDDEN, IMAGES, K, REPEATS, SAMPLES_ELBO = 16, 256, 200, 1000, 8, 10000


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    n, rows, cols = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, rows * cols)


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(LATENT, HIDDEN)
        self.fc2 = nn.Linear(HIDDEN, 784)

    def logits(self, z):
        return self.fc2(F.relu(self.fc1(z)))

    def forward(self, z):
        return torch.sigmoid(self.logits(z)).view(-1, 1, 28, 28)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, HIDDEN)
        self.mu = nn.Linear(HIDDEN, LATENT)
        self.log_var = nn.Linear(HIDDEN, LATENT)

    def forward(self, x):
        h = F.relu(self.fc(torch.flatten(x, 1)))
        return self.mu(h), self.log_var(h)


def log_px_given_z(dec, x, z):
    """log p(x|z) for Bernoulli pixels, summed over pixels; x [..., 784], z [..., LATENT]."""
    return -F.binary_cross_entropy_with_logits(dec.logits(z), x.expand(z.shape[:-1] + (784,)), reduction="none").sum(-1)


def log_normal(z, mu, log_var):
    return -0.5 * (((z - mu) ** 2) / log_var.exp() + log_var + math.log(2 * math.pi)).sum(-1)


def main():
    data_dir, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)
    train = torch.tensor(read_idx_images(os.path.join(data_dir, "train-images-idx3-ubyte.gz")), dtype=torch.float32, device=device) / 255
    test = read_idx_images(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz"))[:IMAGES]
    dec, enc = Decoder().to(device), Encoder().to(device)
    opt = torch.optim.Adam(list(dec.parameters()) + list(enc.parameters()), lr=1e-3)
    for epoch in range(10):
        perm = torch.randperm(train.shape[0], device=device)
        total = 0.0
        for i in range(0, train.shape[0] - 127, 128):
            x = torch.bernoulli(train[perm[i:i + 128]])
            mu, log_var = enc(x)
            z = mu + (0.5 * log_var).exp() * torch.randn_like(mu)
            kl = 0.5 * (mu ** 2 + log_var.exp() - 1 - log_var).sum(-1)
            loss = (kl - log_px_given_z(dec, x, z)).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        print(f"epoch {epoch + 1}: train -ELBO {total / (train.shape[0] // 128):.2f}")
    dec, enc = dec.cpu().eval(), enc.cpu().eval()
    for model, name, inputs, outputs, example in [
        (dec, "decoder.onnx", ["z"], ["x"], torch.zeros(2, LATENT)),
        (enc, "encoder.onnx", ["x"], ["mu", "log_var"], torch.zeros(2, 1, 28, 28)),
    ]:
        torch.onnx.export(model, (example,), os.path.join(out_dir, name), opset_version=17, input_names=inputs,
                          output_names=outputs, dynamic_axes={n: {0: "batch"} for n in inputs + outputs}, dynamo=False)

    # Evaluation in float64 from the exported (float32) weights.
    dec64, enc64 = dec.double(), enc.double()
    x = torch.tensor((test >= 128).astype(np.float64))
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        mu, log_var = enc64(x)
        sd = (0.5 * log_var).exp()
        kl = 0.5 * (mu ** 2 + log_var.exp() - 1 - log_var).sum(-1)
        eps = torch.randn((SAMPLES_ELBO,) + mu.shape, generator=gen, dtype=torch.float64)
        elbo = log_px_given_z(dec64, x, mu + sd * eps).mean(0) - kl
        logp = []
        for _ in range(REPEATS):
            eps = torch.randn((K,) + mu.shape, generator=gen, dtype=torch.float64)
            z = mu + sd * eps
            log_w = log_px_given_z(dec64, x, z) + log_normal(z, torch.zeros_like(z), torch.zeros_like(z)) - log_normal(z, mu, log_var)
            logp.append(torch.logsumexp(log_w, 0) - math.log(K))
        logp = torch.stack(logp)
    reference = {
        "torch": torch.__version__,
        "images": IMAGES,
        "binarizeThreshold": 128,
        "iwaeK": K,
        "repeats": REPEATS,
        "elboSamples": SAMPLES_ELBO,
        "elbo": elbo.tolist(),
        "logpMean": logp.mean(0).tolist(),
        "logpStd": logp.std(0).tolist(),
    }
    with open(os.path.join(out_dir, "reference.json"), "w") as f:
        json.dump(reference, f)
    print(f"test ELBO {elbo.mean():.3f}, IWAE-{K} log p {logp.mean():.3f} nats over {IMAGES} images")


if __name__ == "__main__":
    main()
