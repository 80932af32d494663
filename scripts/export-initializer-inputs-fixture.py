"""Exports the MLP decoder of export-torch-fixtures.py with keep_initializers_as_inputs=True.

That documented option of torch.onnx.export (and what exporters before IR version 4 always wrote) lists every
initializer among the graph inputs as well. The weights are those of mlp-decoder.json (the same class and
seed), so the tests compare this file's outputs with that reference. Debian's python3-torch (1.13) exports
with the TorchScript exporter up to opset 17.

Run where torch and onnx are installed:
    python3 scripts/export-initializer-inputs-fixture.py test/onnx/torch-exports
"""

import importlib.util
import os
import sys

import torch


def load_fixture_models():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "export-torch-fixtures.py")
    spec = importlib.util.spec_from_file_location("export_torch_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    out_dir = sys.argv[1]
    fixtures = load_fixture_models()
    model = fixtures.make(fixtures.MlpDecoder, fixtures.SEEDS["MlpDecoder"])
    path = os.path.join(out_dir, "mlp-decoder-initializers-as-inputs-opset17.onnx")
    torch.onnx.export(
        model, (torch.zeros(2, fixtures.LATENT),), path, opset_version=17, input_names=["z"], output_names=["x"],
        dynamic_axes={"z": {0: "batch"}, "x": {0: "batch"}}, keep_initializers_as_inputs=True,
    )
    print(f"wrote {path} with torch {torch.__version__}")


if __name__ == "__main__":
    main()
