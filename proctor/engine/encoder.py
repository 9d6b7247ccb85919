"""The 128-d face encoding: dlib's own ResNet weights run by ONNX Runtime instead of dlib.

The installed dlib-bin wheel has no BLAS, so `face_encodings` spends ~75 ms of dlib's own loops on a
face here. The same network, rebuilt from the same CC0 weights file (`dlib_weights.read`) as an
ONNX graph held in memory and run by ONNX Runtime's CPU kernels, gives the same encoding (the
distance between the two is ~1e-6, far below anything a threshold sees) in a few ms, so the
references already stored stay valid. Nothing is downloaded or written: the graph is built from the
file `face_recognition_models` ships, once per process.

Each affine layer (a batch norm frozen after training) is folded into the convolution before it.
dlib's residual sum adds tensors of different sizes by zero-filling the smaller one at the end of
each axis (more channels after a down-sampling block, and 4x4 + 3x3 at the 256-filter stage); the
graph does the same with an explicit Pad.

`dlib` stays available as the reference (`FACE_ENCODER = "dlib"`), and for the chip: the face is
aligned to 150x150 by dlib's `get_face_chip` on the 5-point landmarks, exactly as dlib's own
`compute_face_descriptor` does before its network runs.
"""

from __future__ import annotations

import functools

import numpy as np

from . import dlib_weights

CHIP = 150
PADDING = 0.25  # dlib's default margin around the landmarks' face box


def _shape_after(shape: tuple[int, int, int], window, stride, padding) -> tuple[int, int, int]:
    channels, rows, cols = shape
    return (
        channels,
        1 + (rows + 2 * padding[0] - window[0]) // stride[0],
        1 + (cols + 2 * padding[1] - window[1]) // stride[1],
    )


def build_graph(network: dlib_weights.Network):
    """The network as an ONNX model: input `chips` (N, 150, 150, 3) uint8 RGB, output
    `encodings` (N, 128) float32."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, weights = [], []
    counter = iter(range(10_000))

    def name(prefix: str) -> str:
        return f"{prefix}{next(counter)}"

    def constant(array: np.ndarray, prefix: str = "w") -> str:
        key = name(prefix)
        weights.append(numpy_helper.from_array(np.ascontiguousarray(array), key))
        return key

    def node(op: str, inputs: list[str], **attributes) -> str:
        out = name(op.lower())
        nodes.append(helper.make_node(op, inputs, [out], **attributes))
        return out

    layers = list(network.layers)
    position = 0

    def take(kind: str) -> dlib_weights.Layer:
        nonlocal position
        layer = layers[position]
        if layer.kind != kind:
            raise dlib_weights.FormatError(f"layer {position} is {layer.kind}, expected {kind}")
        position += 1
        return layer

    def conv_affine(x: str, shape):
        con, affine = take("con"), take("affine")
        gamma, beta = affine.params["gamma"], affine.params["beta"]
        weight = con.params["weight"] * gamma[:, None, None, None]
        bias = con.params["bias"] * gamma + beta
        stride, padding = con.params["stride"], con.params["padding"]
        out = node(
            "Conv", [x, constant(weight.astype(np.float32)), constant(bias.astype(np.float32))],
            kernel_shape=list(weight.shape[2:]), strides=list(stride), pads=[padding[0], padding[1], padding[0], padding[1]],
        )
        rows_cols = _shape_after(shape, weight.shape[2:], stride, padding)
        return out, (weight.shape[0], rows_cols[1], rows_cols[2])

    def pad_to(x: str, shape, target) -> str:
        if shape == target:
            return x
        ends = [0, target[0] - shape[0], target[1] - shape[1], target[2] - shape[2]]
        return node("Pad", [x, constant(np.array([0, 0, 0, 0, *ends], np.int64), "pads")], mode="constant")

    # Input: uint8 NHWC as the chips come, to float NCHW. dlib normalises each value to
    # (value - mean) / 256; the first convolution has no padding, so that folds exactly into its
    # weights and bias (a broadcast subtraction would cost half a millisecond on its own).
    x = node("Cast", ["chips"], to=TensorProto.FLOAT)
    x = node("Transpose", [x], perm=[0, 3, 1, 2])
    shape = (3, network.input_size, network.input_size)
    first = layers[0]
    if first.kind != "con" or first.params["padding"] != (0, 0):
        raise dlib_weights.FormatError("the first layer must be an unpadded convolution")
    mean = np.asarray(network.input_mean, np.float64)
    raw = first.params["weight"].astype(np.float64)
    layers[0] = dlib_weights.Layer("con", {
        **first.params,
        "weight": raw / 256,
        "bias": first.params["bias"] - (raw * mean[None, :, None, None]).sum(axis=(1, 2, 3)) / 256,
    })

    x, shape = conv_affine(x, shape)
    take("relu")
    x = node("Relu", [x])
    pool = take("max_pool")
    x = node("MaxPool", [x], kernel_shape=list(pool.params["window"]), strides=list(pool.params["stride"]))
    shape = _shape_after(shape, pool.params["window"], pool.params["stride"], pool.params["padding"])

    while layers[position].kind == "con":  # residual blocks
        block_in, block_shape = x, shape
        x, shape = conv_affine(x, shape)
        take("relu")
        x = node("Relu", [x])
        x, shape = conv_affine(x, shape)
        if layers[position].kind == "avg_pool":
            pool = take("avg_pool")
            block_in = node("AveragePool", [block_in], kernel_shape=list(pool.params["window"]), strides=list(pool.params["stride"]))
            block_shape = _shape_after(block_shape, pool.params["window"], pool.params["stride"], pool.params["padding"])
        take("add_prev")
        target = tuple(max(a, b) for a, b in zip(shape, block_shape))
        x = node("Add", [pad_to(x, shape, target), pad_to(block_in, block_shape, target)])
        shape = target
        take("relu")
        x = node("Relu", [x])

    pool = take("avg_pool")
    if pool.params["window"] != (0, 0):
        raise dlib_weights.FormatError("expected a global average pool before the encoding")
    x = node("GlobalAveragePool", [x])
    x = node("Flatten", [x], axis=1)
    fc = take("fc")
    x = node("MatMul", [x, constant(fc.params["weight"].astype(np.float32))])
    if fc.params["bias"] is not None:
        x = node("Add", [x, constant(fc.params["bias"].astype(np.float32))])
    nodes.append(helper.make_node("Identity", [x], ["encodings"]))
    if position != len(layers):
        raise dlib_weights.FormatError("layers left over")

    graph = helper.make_graph(
        nodes, "dlib_face_recognition_resnet_model_v1",
        [helper.make_tensor_value_info("chips", TensorProto.UINT8, ["n", network.input_size, network.input_size, 3])],
        [helper.make_tensor_value_info("encodings", TensorProto.FLOAT, ["n", 128])],
        initializer=weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="kaohe")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


class OnnxEncoder:
    """dlib's ResNet in ONNX Runtime, one thread (a worker process decides one check at a time, and
    CPU per decision is what the platform pays for)."""

    name = "onnx"

    def __init__(self, weights_path: str, threads: int = 1):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        model = build_graph(dlib_weights.read(weights_path))
        self.session = onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])

    def encode(self, chips: np.ndarray) -> np.ndarray:
        """(N, 150, 150, 3) uint8 RGB chips -> (N, 128) float64 encodings."""
        (out,) = self.session.run(None, {"chips": np.ascontiguousarray(chips, dtype=np.uint8)})
        return out.astype(np.float64)


class DlibEncoder:
    """dlib's own implementation of the same network (the reference, and the fallback)."""

    name = "dlib"

    def __init__(self, weights_path: str):
        import dlib

        self.model = dlib.face_recognition_model_v1(weights_path)

    def encode(self, chips: np.ndarray) -> np.ndarray:
        return np.asarray(
            [np.asarray(self.model.compute_face_descriptor(np.ascontiguousarray(chip))) for chip in chips], dtype=np.float64
        ).reshape(len(chips), 128)


@functools.cache
def get(kind: str = "onnx"):
    import face_recognition_models

    path = face_recognition_models.face_recognition_model_location()
    if kind == "onnx":
        return OnnxEncoder(path)
    if kind == "dlib":
        return DlibEncoder(path)
    raise ValueError(f"unknown face encoder {kind!r} (onnx or dlib)")
