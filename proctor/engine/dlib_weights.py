"""Read dlib's face-recognition ResNet from the file that `face_recognition_models` ships.

`dlib_face_recognition_resnet_model_v1.dat` is a dlib-serialised network (CC0, Davis King). dlib
without BLAS runs it in its own loops (~75 ms a face here); reading the weights ourselves lets a
faster runtime compute the same 128-d encoding (`proctor.engine.encoder`), so stored references
stay valid. Only the layer kinds and versions found in that file are understood; anything else is
an error, never a guess.

The format (dlib/serialize.h, dlib/dnn/core.h, layers.h, cuda/tensor.h): integers are a control
byte (size in the low nibble, 0x80 = negative) and that many little-endian bytes; strings are a
length then the characters; floats are an integer mantissa and exponent; booleans are the
characters '1'/'0'; tensors are a version, four dimensions and raw little-endian float32s. A network
is written outermost layer first, each `add_layer` writing its subnetwork before its own layer, so
after the input the layers arrive in the order they run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


class FormatError(ValueError):
    pass


@dataclass
class Layer:
    kind: str  # con, affine, relu, max_pool, avg_pool, add_prev, fc
    params: dict = field(default_factory=dict)


@dataclass
class Network:
    input_mean: tuple[float, float, float]  # subtracted from R, G, B before dividing by 256
    input_size: int
    layers: list[Layer]


class _Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        value = self.data[self.pos]
        self.pos += 1
        return value

    def int(self) -> int:
        control = self.byte()
        size = control & 0x0F
        if not 1 <= size <= 8:
            raise FormatError(f"bad integer at {self.pos - 1}")
        value = int.from_bytes(self.data[self.pos : self.pos + size], "little")
        self.pos += size
        return -value if control & 0x80 else value

    def string(self) -> str:
        length = self.int()
        text = self.data[self.pos : self.pos + length].decode("latin-1")
        self.pos += length
        return text

    def float(self) -> float:
        if self.data[self.pos] & 0x70:
            raise FormatError(f"old ASCII float at {self.pos}")
        mantissa = self.int()
        exponent = self.int()
        return float(mantissa) * 2.0**exponent

    def bool(self) -> bool:
        char = self.byte()
        if char not in b"01":
            raise FormatError(f"bad boolean at {self.pos - 1}")
        return char == ord("1")

    def tensor(self) -> np.ndarray:
        if self.int() != 2:
            raise FormatError(f"unknown tensor version at {self.pos}")
        shape = tuple(self.int() for _ in range(4))
        count = int(np.prod(shape))
        array = np.frombuffer(self.data, dtype="<f4", count=count, offset=self.pos).reshape(shape)
        self.pos += 4 * count
        return array

    def alias(self) -> tuple[int, int, int, int]:
        if self.int() != 1:
            raise FormatError(f"unknown alias_tensor version at {self.pos}")
        return tuple(self.int() for _ in range(4))


def _layer(reader: _Reader) -> Layer:
    version = reader.string()
    if version in ("con_4", "con_5", "con_6"):
        params = reader.tensor()
        filters = reader.int()
        rows, cols = reader.int(), reader.int()
        stride = (reader.int(), reader.int())
        padding = (reader.int(), reader.int())
        shape = reader.alias()
        reader.alias()  # the biases' shape: one per filter
        for _ in range(4):
            reader.float()  # learning-rate and weight-decay multipliers: training only
        use_bias = reader.bool() if version != "con_4" else True
        if version == "con_6":
            reader.bool()  # use_relu: a fused relu, absent from this model's version
        flat = params.reshape(-1)
        size = int(np.prod(shape))
        weight = flat[:size].reshape(shape)
        bias = flat[size : size + filters] if use_bias else np.zeros(filters, np.float32)
        if weight.shape[0] != filters or weight.shape[2:] != (rows, cols):
            raise FormatError("convolution shape does not add up")
        return Layer("con", {"weight": weight, "bias": bias, "stride": stride, "padding": padding})
    if version in ("affine_", "affine_2"):
        params = reader.tensor().reshape(-1)
        gamma = reader.alias()
        reader.alias()
        mode = reader.int()
        if version == "affine_2":
            reader.bool()
        channels = int(np.prod(gamma))
        return Layer("affine", {"gamma": params[:channels], "beta": params[channels : 2 * channels], "mode": mode})
    if version in ("relu_", "relu_2"):
        if version == "relu_2":
            reader.bool()
        return Layer("relu")
    if version in ("max_pool_2", "avg_pool_2"):
        rows, cols = reader.int(), reader.int()
        stride = (reader.int(), reader.int())
        padding = (reader.int(), reader.int())
        return Layer(version[:-2], {"window": (rows, cols), "stride": stride, "padding": padding})
    if version == "add_prev_":
        return Layer("add_prev")
    if version in ("fc_2", "fc_3"):
        outputs, inputs = reader.int(), reader.int()
        params = reader.tensor().reshape(-1)
        reader.alias()
        reader.alias()
        bias_mode = reader.int()
        for _ in range(4):
            reader.float()
        if version == "fc_3":
            reader.bool()
        weight = params[: inputs * outputs].reshape(inputs, outputs)  # output = input @ weight
        bias = params[inputs * outputs : inputs * outputs + outputs] if bias_mode == 0 else None
        return Layer("fc", {"weight": weight, "bias": bias})
    raise FormatError(f"layer {version!r} is not one this reader knows")


def read(path: str | Path) -> Network:
    """The face-recognition network in `path`, its layers in the order they run."""
    reader = _Reader(Path(path).read_bytes())
    if reader.int() != 1:
        raise FormatError("not a dlib network with a loss layer")
    loss = reader.string()
    if loss == "loss_metric_2":
        reader.float()  # margin
        reader.float()  # distance threshold
    elif loss != "loss_metric_":
        raise FormatError("not a dlib metric-learning network")
    # The add_layer / tag / skip versions, outermost first, up to the input layer's name.
    versions = []
    while reader.data[reader.pos : reader.pos + 2] != b"\x01\x15":  # a 21-character string follows
        versions.append(reader.int())
    if reader.string() != "input_rgb_image_sized":
        raise FormatError("not an RGB-input network")
    mean = (reader.float(), reader.float(), reader.float())
    size = reader.int()
    if reader.int() != size:
        raise FormatError("the input is not square")
    # Tags and skips are version 1 and write nothing after their subnetwork; the add_layers are
    # version 2, except the innermost (which holds the input), version 2 or 3.
    add_layers = [v for v in versions if v != 1]
    if not add_layers or any(v != 2 for v in add_layers[:-1]) or add_layers[-1] not in (2, 3):
        raise FormatError(f"unexpected layer versions {sorted(set(versions))}")
    layers = []
    for index, version in enumerate(reversed(add_layers)):
        layers.append(_layer(reader))
        for _ in range(3):
            reader.bool()  # setup called, gradient stale, output disabled
        reader.tensor()  # x_grad
        reader.tensor()  # cached output
        reader.tensor()  # the input layer's grad_final, the others' params_grad
        if index == 0 and version == 3:
            reader.int()  # sample expansion factor
    if reader.pos != len(reader.data):
        raise FormatError(f"{len(reader.data) - reader.pos} bytes left over")
    return Network(mean, size, layers)
