"""Writes the Fashion-MNIST test fixture: the first IMAGES images and labels of each split, cut from the
files of the Debian package dataset-fashion-mnist and written back in their own format (gzipped IDX, the
original headers with the count changed), so that `npm test` needs no data set installed.

Fashion-MNIST (Xiao, Rasul, Vollgraf 2017, https://github.com/zalandoresearch/fashion-mnist) is MIT-licensed.
The script prints the facts the tests pin (counts per class, pixel sums, SHA-256 of the pixels), computed here
with numpy, independently of the package's IDX reader.

    python3 scripts/make-fashion-mnist-fixture.py /usr/share/datasets/fashion-mnist test/fixtures/fashion-mnist
"""

import gzip
import hashlib
import os
import struct
import sys

import numpy as np

IMAGES = 500


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return data[:4], dims, np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def write_idx(path, magic, array):
    header = magic + struct.pack(">" + "I" * array.ndim, *array.shape)
    # mtime=0 keeps the bytes the same on every run.
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
        f.write(header + array.tobytes())


def main(source, target):
    os.makedirs(target, exist_ok=True)
    for split in ("train", "t10k"):
        magic, _, images = read_idx(os.path.join(source, f"{split}-images-idx3-ubyte.gz"))
        write_idx(os.path.join(target, f"{split}-images-idx3-ubyte.gz"), magic, images[:IMAGES])
        magic, _, labels = read_idx(os.path.join(source, f"{split}-labels-idx1-ubyte.gz"))
        write_idx(os.path.join(target, f"{split}-labels-idx1-ubyte.gz"), magic, labels[:IMAGES])
        pixels = images[:IMAGES].astype(np.int64)
        print(split, {
            "count": IMAGES,
            "perClass": np.bincount(labels[:IMAGES], minlength=10).tolist(),
            "firstLabels": labels[:10].tolist(),
            "sum": int(pixels.sum()),
            "sumOfSquares": int((pixels * pixels).sum()),
            "sha256": hashlib.sha256(images[:IMAGES].tobytes()).hexdigest(),
        })


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
