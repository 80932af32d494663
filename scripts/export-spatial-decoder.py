"""Exports the spatial-latent decoder fixture test/models/fixtures/spatial-decoder.onnx.

A small fully convolutional decoder in the style of latent-diffusion autoencoders: latent [batch, 4, h, w]
with symbolic h and w, 3x3 convolutions, SiLU, two nearest-neighbour 2x upsamplings (image 4h x 4w, one
channel) and a plain convolution at the end (no Sigmoid or Tanh, so its range must be forced). Fixed seed.

Run: /usr/bin/python3 scripts/export-spatial-decoder.py   (Debian python3-torch; opset 17)
"""
import pathlib

import torch
from torch import nn

OUT = pathlib.Path(__file__).resolve().parent.parent / "test" / "models" / "fixtures" / "spatial-decoder.onnx"


class SpatialDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv_in = nn.Conv2d(4, 8, 3, padding=1)
        self.conv_mid = nn.Conv2d(8, 8, 3, padding=1)
        self.conv_out = nn.Conv2d(8, 1, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")

    def forward(self, z):
        h = nn.functional.silu(self.conv_in(z))
        h = nn.functional.silu(self.conv_mid(self.up(h)))
        # Centred near 0.5, mostly within [0, 1] for z ~ N(0, I), as such autoencoders' outputs are.
        return 0.5 + 4.0 * self.conv_out(self.up(h))


def main():
    torch.manual_seed(11)
    model = SpatialDecoder().eval()
    z = torch.randn(2, 4, 7, 7)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model,
        (z,),
        str(OUT),
        input_names=["latent"],
        output_names=["sample"],
        dynamic_axes={"latent": {0: "batch", 2: "height", 3: "width"}, "sample": {0: "batch", 2: "out_height", 3: "out_width"}},
        opset_version=17,
    )
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
