"""Exports small PyTorch decoders and encoders with torch.onnx.export, the test fixtures of real exports.

Each model is exported at several opsets (the TorchScript exporter at 9, 13 and 17, the dynamo exporter at
18 and 21, where this torch has them) with a dynamic batch dimension. Beside each .onnx file goes a .json
reference that PyTorch computed in float64 from the same weights: a fixed input batch, the outputs, and the
gradients of sum(output * upstream) with respect to the inputs for a fixed upstream, so the tests compare
onnxruntime's forward pass and the package's gradient graphs with PyTorch's own autograd.

Run where torch and onnx are installed:
    python3 scripts/export-torch-fixtures.py test/onnx/torch-fixtures
"""

import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

LATENT = 6


class MlpDecoder(nn.Module):
    """z -> Linear -> ReLU -> Linear -> Sigmoid, reshaped to NCHW 1x12x12."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(LATENT, 48)
        self.fc2 = nn.Linear(48, 144)

    def forward(self, z):
        h = F.relu(self.fc1(z))
        return torch.sigmoid(self.fc2(h)).view(-1, 1, 12, 12)


class ConvDecoder(nn.Module):
    """beta-VAE style: Linear, reshape, ConvTranspose(stride 2), nearest Upsample + Conv, Sigmoid, NCHW 1x16x16."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(LATENT, 8 * 4 * 4)
        self.deconv = nn.ConvTranspose2d(8, 6, 4, stride=2, padding=1)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.conv = nn.Conv2d(6, 1, 3, padding=1)

    def forward(self, z):
        h = F.elu(self.fc(z)).view(-1, 8, 4, 4)
        h = F.leaky_relu(self.deconv(h), 0.1)
        return torch.sigmoid(self.conv(self.up(h)))


class TanhNhwcDecoder(nn.Module):
    """Bilinear interpolation, reflect padding, GELU, a tanh output in [-1, 1], permuted to NHWC 8x8x3."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(LATENT, 4 * 4 * 4)
        self.conv = nn.Conv2d(4, 3, 3)

    def forward(self, z):
        h = F.gelu(self.fc(z)).view(-1, 4, 4, 4)
        h = F.interpolate(h, scale_factor=2.0, mode="bilinear", align_corners=False)
        h = F.pad(h, (1, 1, 1, 1), mode="reflect")
        return torch.tanh(self.conv(h)).permute(0, 2, 3, 1)


class ConvEncoder(nn.Module):
    """x (1x16x16) -> Conv(stride 2) -> BatchNorm (eval) -> LeakyReLU -> Flatten -> Linear -> (mu, logsigma)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 8 * 8, 2 * LATENT)

    def forward(self, x):
        h = F.leaky_relu(self.bn(self.conv(x)), 0.2)
        mu, logsigma = self.fc(torch.flatten(h, 1)).chunk(2, dim=1)
        return mu, logsigma


# Gain on each decoder's last layer: PyTorch's default initialisation leaves every output pixel near the
# middle of its range, while a trained decoder's images have contrast, which is what makes latents
# identifiable from images in the inference tests.
OUTPUT_GAIN = {"MlpDecoder": ("fc2", 6.0), "ConvDecoder": ("conv", 6.0), "TanhNhwcDecoder": ("conv", 3.0)}


class MlpEncoder(nn.Module):
    """x (1x12x12) -> Flatten -> Linear -> LayerNorm -> Softplus -> Linear -> (mu, log_var), a log variance."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(144, 32)
        self.norm = nn.LayerNorm(32)
        self.mu = nn.Linear(32, LATENT)
        self.log_var = nn.Linear(32, LATENT)

    def forward(self, x):
        h = F.softplus(self.norm(self.fc1(torch.flatten(x, 1))))
        return self.mu(h), self.log_var(h)


def make(cls, seed):
    torch.manual_seed(seed)
    model = cls().eval()
    if cls.__name__ in OUTPUT_GAIN:
        layer, gain = OUTPUT_GAIN[cls.__name__]
        with torch.no_grad():
            getattr(model, layer).weight.mul_(gain)
    if isinstance(model, ConvEncoder):
        # Non-trivial running statistics, so the exported BatchNormalization is not an identity.
        with torch.no_grad():
            model.bn.running_mean.uniform_(-0.2, 0.2)
            model.bn.running_var.uniform_(0.5, 1.5)
            model.bn.weight.uniform_(0.8, 1.2)
            model.bn.bias.uniform_(-0.1, 0.1)
    return model


MODELS = [
    # name, class, input name, input shape (batch first), output names
    ("mlp-decoder", MlpDecoder, "z", (LATENT,), ["x"]),
    ("conv-decoder", ConvDecoder, "z", (LATENT,), ["x"]),
    ("tanh-nhwc-decoder", TanhNhwcDecoder, "z", (LATENT,), ["x"]),
    ("conv-encoder", ConvEncoder, "x", (1, 16, 16), ["mu", "logsigma"]),
    ("mlp-encoder", MlpEncoder, "x", (1, 12, 12), ["mu", "log_var"]),
]

# (exporter, opset): the TorchScript exporter covers the old opsets, the dynamo exporter the new ones.
EXPORTS = [("torchscript", 9), ("torchscript", 13), ("torchscript", 17), ("dynamo", 18), ("dynamo", 21)]


def reference(model, input_shape, seed):
    """float64 forward outputs and input gradients of sum(out * upstream) for a batch of 3."""
    gen = torch.Generator().manual_seed(seed)
    model64 = make(type(model), SEEDS[type(model).__name__]).double()
    model64.load_state_dict({k: v.double() if v.is_floating_point() else v for k, v in model.state_dict().items()})
    x = torch.rand((3,) + input_shape, generator=gen, dtype=torch.float64)
    if input_shape == (LATENT,):
        x = x * 4 - 2
    x.requires_grad_(True)
    outs = model64(x)
    outs = outs if isinstance(outs, tuple) else (outs,)
    ups = [torch.randn(o.shape, generator=gen, dtype=torch.float64) for o in outs]
    total = sum((o * u).sum() for o, u in zip(outs, ups))
    (grad,) = torch.autograd.grad(total, [x])
    flat = lambda t: t.detach().reshape(-1).tolist()
    return {
        "input": {"shape": list(x.shape), "data": flat(x)},
        "outputs": [{"shape": list(o.shape), "data": flat(o)} for o in outs],
        "upstream": [{"shape": list(u.shape), "data": flat(u)} for u in ups],
        "inputGradient": {"shape": list(grad.shape), "data": flat(grad)},
    }


SEEDS = {"MlpDecoder": 1, "ConvDecoder": 2, "TanhNhwcDecoder": 3, "ConvEncoder": 4, "MlpEncoder": 5}


def export(model, name, input_name, input_shape, output_names, exporter, opset, path):
    example = torch.zeros((2,) + input_shape)
    if exporter == "torchscript":
        torch.onnx.export(
            model, (example,), path, opset_version=opset, input_names=[input_name], output_names=output_names,
            dynamic_axes={input_name: {0: "batch"}, **{o: {0: "batch"} for o in output_names}}, dynamo=False,
        )
    else:
        batch = torch.export.Dim("batch", min=1, max=4096)
        program = torch.onnx.export(
            model, (example,), None, opset_version=opset, input_names=[input_name], output_names=output_names,
            dynamic_shapes=({0: batch},), dynamo=True, external_data=False,
        )
        program.save(path, external_data=False)


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    manifest = {"torch": torch.__version__, "models": []}
    for name, cls, input_name, input_shape, output_names in MODELS:
        model = make(cls, SEEDS[cls.__name__])
        ref = reference(model, input_shape, 100 + SEEDS[cls.__name__])
        with open(os.path.join(out_dir, f"{name}.json"), "w") as f:
            json.dump(ref, f)
        for exporter, opset in EXPORTS:
            file = f"{name}-{exporter}-opset{opset}.onnx"
            try:
                export(model, name, input_name, input_shape, output_names, exporter, opset, os.path.join(out_dir, file))
            except Exception as err:  # an exporter that cannot write this opset is recorded, not fatal
                print(f"skip {file}: {type(err).__name__}: {str(err).splitlines()[0][:200]}")
                continue
            # Before opset 11, ONNX's Upsample has no half-pixel coordinates, so PyTorch's bilinear
            # interpolation exports as a different function (the exporter warns): such a file matches
            # PyTorch's numbers only where it has no bilinear resize.
            matches = not (opset < 11 and name == "tanh-nhwc-decoder")
            manifest["models"].append({"file": file, "model": name, "exporter": exporter, "opset": opset,
                                        "input": input_name, "outputs": output_names, "reference": f"{name}.json",
                                        "matchesTorch": matches})
            print(f"wrote {file}")
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
