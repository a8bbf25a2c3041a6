#!/usr/bin/env python3
"""Golden fixtures for `reidkd import` parity: Tests/InteropTests/Fixtures/fastreid/.

For every architecture row of issue 18 this builds the model with FastReID's own `build_model`
(PyPI fastreid 1.4.0), randomises every weight and BatchNorm statistic, saves the checkpoint
(zip format of torch >= 1.6 or the legacy format, float32/float16/bfloat16), the FastReID config
that describes it (a `_BASE_` chain or a `cfg.dump()`), small RGB 0-255 inputs already at
INPUT.SIZE_TEST, and FastReID's eval-mode output for them (its own preprocessing: the model
normalises `(x - PIXEL_MEAN) / PIXEL_STD` itself). `manifest.json` lists the rows; the Swift
tests (Tests/InteropTests/FastReIDParityTests.swift) check them without Python.

Size: FastReID's ResNet has no width multiplier, and full-width checkpoints are 45-170 MB. To
keep the fixtures at a few MB the script narrows FastReID's ResNet the only way it can be
narrowed from outside: it patches `ResNet._make_layer` to receive `planes * WIDTH` and replaces
the 64-channel stem after construction. Blocks, IBN, SE, their forward passes, the stem max
pool, the head, poolings and the Baseline are FastReID's code, unchanged. ReidKD's importer reads
such checkpoints at width C/64 from the stem's channel count. MobileNetV2 is built at FastReID's
own "0.25x" width. `--full DIR` writes full-width ResNet-50-IBN and MobileNetV2 1.0x rows to DIR
instead (not committed; the Swift test reads them when REIDKD_FASTREID_FIXTURES=DIR is set).
`--teacher-folder DIR` writes a random-weight FastReID output folder of a full-width ResNet-50-IBN
at 128x64, the stand-in teacher of experiments/imported.yaml.

It also writes torchvision-layout ImageNet-style state dicts (random weights, torchvision's own
models: a narrowed resnet18 as a .pth and a width-0.1 mobilenet_v2 as .safetensors) with the
backbone's globally average-pooled features, for MODEL.WEIGHTS / MODEL.BACKBONE.PRETRAIN_PATH.

Run (Python 3.11):
  python3 -m venv /tmp/fr && /tmp/fr/bin/pip install torch torchvision pillow pyyaml numpy safetensors
  /tmp/fr/bin/pip install --no-deps fastreid==1.4.0 yacs termcolor tabulate
  /tmp/fr/bin/python Scripts/fastreid_fixtures.py
Deterministic for a given torch build (seeded); the committed files were made with torch 2.15.0.
"""
import argparse
import copy
import json
import os
import sys

import numpy as np
import torch
from torch import nn

from fastreid.config import get_cfg
from fastreid.modeling import build_model
from fastreid.modeling.backbones import resnet as fr_resnet
from fastreid.utils.checkpoint import Checkpointer

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "InteropTests", "Fixtures", "fastreid")
WIDTH = 1.0  # set per row by narrowed()
_orig_make_layer = fr_resnet.ResNet._make_layer
_orig_init = fr_resnet.ResNet.__init__


def _make_layer(self, block, planes, blocks, stride=1, bn_norm="BN", with_ibn=False, with_se=False):
    if not getattr(self, "_narrow_started", False):
        self.inplanes = int(64 * WIDTH)
        self._narrow_started = True
    return _orig_make_layer(self, block, int(planes * WIDTH), blocks, stride, bn_norm, with_ibn, with_se)


def _init(self, last_stride, bn_norm, *args, **kwargs):
    _orig_init(self, last_stride, bn_norm, *args, **kwargs)
    if WIDTH != 1.0:
        c = int(64 * WIDTH)
        self.conv1 = nn.Conv2d(3, c, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = fr_resnet.get_norm(bn_norm, c)


fr_resnet.ResNet._make_layer = _make_layer
fr_resnet.ResNet.__init__ = _init


def base_cfg():
    cfg = get_cfg()
    cfg.MODEL.DEVICE = "cpu"
    cfg.MODEL.HEADS.NUM_CLASSES = 16
    return cfg


def images(n, size, gen):
    """Person-sized RGB 0-255 images with content at several scales (coarse random blobs, finer
    texture, per-image contrast): BN statistics gathered on them vary across images as real
    features do. Uniform noise would pool to nearly the same vector for every image, giving the
    BNNeck a tiny running variance that amplifies float32 rounding a thousandfold."""
    h, w = size
    coarse = torch.nn.functional.interpolate(torch.rand(n, 3, 4, 2, generator=gen), size=(h, w), mode="bilinear", align_corners=False)
    fine = torch.nn.functional.interpolate(torch.rand(n, 3, max(h // 4, 1), max(w // 4, 1), generator=gen), size=(h, w), mode="nearest")
    contrast = torch.rand(n, 1, 1, 1, generator=gen) * 0.8 + 0.2
    x = (0.6 * coarse + 0.4 * fine - 0.5) * contrast + 0.5
    return (x.clamp(0, 1) * 255).round()


def randomise(model, gen, calibration):
    """Random weights everywhere; BN running statistics from a train-mode pass over random inputs,
    then perturbed, so eval-mode BN is neither the identity nor degenerate."""
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            fan = m.weight[0].numel()
            with torch.no_grad():
                m.weight.normal_(0, (2.0 / fan) ** 0.5, generator=gen)
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = None  # cumulative average over the calibration batches
            m.reset_running_stats()
    for name, p in model.named_parameters():
        with torch.no_grad():
            if name.endswith("pool_layer.p"):
                p.fill_(3.0 + torch.rand(1, generator=gen).item())
            elif p.dim() == 1 and "bottleneck" in name and name.endswith("bias"):
                pass  # BNNeck bias is frozen at 0 in FastReID
            elif p.dim() == 1 and name.endswith("weight"):
                p.uniform_(0.6, 1.4, generator=gen)
            elif p.dim() == 1 and name.endswith("bias"):
                p.normal_(0, 0.1, generator=gen)
    # Residual branches of trained ResNets and MobileNetV2s are small next to the shortcut; with
    # full-gain random branches the nets are chaotic (float32 rounding grows 1.5x per block).
    from fastreid.modeling.backbones import mobilenet as fr_mobilenet
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, fr_resnet.Bottleneck):
                mod.bn3.weight.uniform_(0.1, 0.3, generator=gen)
            elif isinstance(mod, fr_resnet.BasicBlock):
                mod.bn2.weight.uniform_(0.1, 0.3, generator=gen)
            elif isinstance(mod, fr_mobilenet.InvertedResidual) and mod.identity:
                mod.conv[-1].weight.uniform_(0.1, 0.3, generator=gen)
    model.train()
    with torch.no_grad():
        for _ in range(4):
            feat = model.backbone(model.preprocess_image(images(16, calibration[1:], gen)))
            pooled = model.heads.pool_layer(feat)
            for layer in model.heads.bottleneck:
                pooled = layer(pooled)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d) and m.running_var is not None:
            with torch.no_grad():
                m.running_mean.add_(torch.randn(m.running_mean.shape, generator=gen) * 0.1 * m.running_var.sqrt())
                m.running_var.mul_(torch.empty(m.running_var.shape).uniform_(0.7, 1.4, generator=gen))
            m.momentum = 0.1
    model.eval()


def round_to(model, dtype):
    """Rounds every float tensor of the model to `dtype` and back, so FastReID computes with exactly
    the values a half-precision checkpoint stores."""
    with torch.no_grad():
        # state_dict(), not buffers(): Baseline's pixel_mean/pixel_std are not saved and must stay exact.
        for t in model.state_dict().values():
            if t.is_floating_point():
                t.copy_(t.to(dtype).to(torch.float32))


def odd_layouts(sd):
    """Makes two tensors non-contiguous and two share one storage at an offset (torch.save keeps
    views as views): the reader must honour strides and offsets."""
    out = dict(sd)
    conv = next(k for k, v in sd.items() if v.dim() == 4 and v.shape[2] == 3)
    w = sd[conv]
    out[conv] = w.permute(1, 0, 2, 3).contiguous().permute(1, 0, 2, 3)  # same values, strides (k*k, I*k*k, k, 1)
    bn = next(k[: -len(".weight")] for k, v in sd.items() if k.endswith("bn1.weight") and k.startswith("backbone.layer"))
    n = sd[bn + ".weight"].numel()
    shared = torch.cat([sd[bn + ".weight"], sd[bn + ".bias"]])
    out[bn + ".weight"], out[bn + ".bias"] = shared[:n], shared[n:]
    return out


def save(sd, path, fmt, dtype, wrap=True, prefix=""):
    sd = {prefix + k: (v.to(dtype) if v.is_floating_point() else v) for k, v in sd.items()}
    obj = {"model": sd, "iteration": 0} if wrap else sd
    torch.save(obj, path, _use_new_zipfile_serialization=(fmt == "zip"))


def write_input(name, size, gen, out):
    x = images(2, size, gen)
    path = os.path.join(out, name)
    np.save(path, x.reshape(2, -1).numpy().astype(np.float32))
    # The same images as PNG files, for `reidkd embed` (already at SIZE_TEST: resizing is a no-op).
    from PIL import Image
    for i in range(x.shape[0]):
        Image.fromarray(x[i].permute(1, 2, 0).numpy().astype(np.uint8)).save(path.replace(".npy", "-%d.png" % i))
    return x


def run_row(row, out, inputs, gen, manifest):
    global WIDTH
    WIDTH = row.get("width", 1.0)
    cfg = base_cfg()
    config = row["name"] + ".yml"
    if "yaml" in row:
        # The importer reads exactly the file FastReID built the model from.
        with open(os.path.join(out, config), "w") as f:
            f.write("_BASE_: " + row["base"] + "\n" + row["yaml"])
        cfg.merge_from_file(os.path.join(out, config))
    else:
        cfg.merge_from_list(row["opts"])
    cfg.MODEL.BACKBONE.PRETRAIN = False  # configs may say True (it is ignored on import); nothing is downloaded here
    model = build_model(cfg)
    size = tuple(cfg.INPUT.SIZE_TEST)
    if size not in inputs:
        inputs[size] = write_input("input-%dx%d.npy" % size, size, gen, out)
    x = inputs[size]
    ckpt = row.get("checkpoint", row["name"] + ".pth")
    shared = not row.get("folder") and os.path.exists(os.path.join(out, ckpt))
    if shared:
        # Rows that differ only in the head's parameter-free parts or the input share weights.
        model.load_state_dict(torch.load(os.path.join(out, ckpt), weights_only=True)["model"])
    else:
        randomise(model, gen, (3,) + size)
        if row["dtype"] != "float32":
            round_to(model, getattr(torch, row["dtype"]))
    model.eval()
    with torch.no_grad():
        y = model(x.clone())  # preprocess_image normalises in place
        # FastReID's own float32 rounding noise: the same model in float64.
        y64 = copy.deepcopy(model).double()(x.clone().double()).float()
    np.save(os.path.join(out, row["name"] + "-output.npy"), y.numpy().astype(np.float32))
    sd = {k: v.detach().clone() for k, v in model.state_dict().items()}
    if row.get("odd_layouts"):
        sd = odd_layouts(sd)
    if row.get("folder"):
        folder = os.path.join(out, row["folder"])
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "config.yaml"), "w") as f:
            f.write(cfg.dump())  # what FastReID's default_setup writes into OUTPUT_DIR
        # A head-only optimizer keeps the file small while its state still holds tensors.
        optimizer = torch.optim.SGD(model.heads.parameters(), lr=0.01, momentum=0.9)
        model.train()
        out_t = model.heads(model.backbone(model.preprocess_image(x.clone())), torch.tensor([0, 1]))
        out_t["cls_outputs"].sum().backward()
        optimizer.step()  # momentum buffers: a real optimizer state in the checkpoint
        model.load_state_dict(sd)  # back to the weights the output was computed with
        sched = torch.optim.lr_scheduler.MultiStepLR(optimizer, [40, 90])  # its state holds a collections.Counter
        Checkpointer(model, folder, optimizer=optimizer, lr_sched=sched).save("model_final", iteration=3)
        ckpt = os.path.join(row["folder"], "model_final.pth")
        config = os.path.join(row["folder"], "config.yaml")
    else:
        if not shared:
            save(sd, os.path.join(out, ckpt), row["format"], getattr(torch, row["dtype"]),
                 wrap=row.get("wrap", True), prefix=row.get("prefix", ""))
        if "yaml" not in row:
            with open(os.path.join(out, config), "w") as f:
                f.write(cfg.dump())
    manifest.append({
        "name": row["name"], "checkpoint": ckpt, "config": config, "format": row["format"], "dtype": row["dtype"],
        "input": "input-%dx%d.npy" % size, "input_size": list(size), "output": row["name"] + "-output.npy",
        "max_abs_output": float(y.abs().max()), "float64_delta": float((y - y64).abs().max()), "describes": row["describes"],
    })
    print("%-14s %-6s %-8s out %s  max|f| %.4g  |f32 - f64| %.2g" % (row["name"], row["format"], row["dtype"], tuple(y.shape),
                                                                    float(y.abs().max()), float((y - y64).abs().max())))


BASE = """MODEL:
  META_ARCHITECTURE: Baseline
  BACKBONE:
    NAME: build_resnet_backbone
    NORM: BN
    DEPTH: 18x
    LAST_STRIDE: 1
    FEAT_DIM: 16
    WITH_IBN: False
    PRETRAIN: True
  HEADS:
    NAME: EmbeddingHead
    NORM: BN
    WITH_BNNECK: True
    POOL_LAYER: GlobalAvgPool
    NECK_FEAT: before
    CLS_LAYER: Linear
    NUM_CLASSES: 16
  LOSSES:
    NAME: ("CrossEntropyLoss", "TripletLoss",)
    CE:
      EPSILON: 0.1
      SCALE: 1.
    TRI:
      MARGIN: 0.3
      HARD_MINING: True
INPUT:
  SIZE_TRAIN: [ 64, 32 ]
  SIZE_TEST: [ 64, 32 ]
  REA:
    ENABLED: True
  FLIP:
    ENABLED: True
  PADDING:
    ENABLED: True
DATALOADER:
  SAMPLER_TRAIN: NaiveIdentitySampler
  NUM_INSTANCE: 4
SOLVER:
  AMP:
    ENABLED: True
  OPT: Adam
  MAX_EPOCH: 120
  BASE_LR: 0.00035
  IMS_PER_BATCH: 64
TEST:
  EVAL_PERIOD: 30
  IMS_PER_BATCH: 128
CUDNN_BENCHMARK: True
"""


def r18(name, yaml_body, describes, **kw):
    row = dict(name=name, width=1 / 32, base="Base-tiny.yml", yaml=yaml_body, format="zip", dtype="float32", describes=describes)
    row.update(kw)
    return row


ROWS = [
    r18("r18", "", "ResNet-18, last stride 1, GAP, BNNeck (zip, float32, non-contiguous strides and a shared storage)",
        odd_layouts=True),
    r18("r18-ls2", "MODEL:\n  BACKBONE:\n    LAST_STRIDE: 2\nINPUT:\n  SIZE_TEST: [66, 34]\n",
        "ResNet-18, last stride 2, odd input 66x34 (the two stem pools give different sizes)", checkpoint="r18.pth"),
    r18("r18-gem", "MODEL:\n  HEADS:\n    POOL_LAYER: GeneralizedMeanPoolingP\n", "ResNet-18, GeM with learnable p"),
    r18("r18-gemfixed", "MODEL:\n  HEADS:\n    POOL_LAYER: GeneralizedMeanPooling\n", "ResNet-18, GeM p = 3 (fixed)", checkpoint="r18.pth"),
    r18("r18-max", "MODEL:\n  HEADS:\n    POOL_LAYER: GlobalMaxPool\n", "ResNet-18, global max pooling", checkpoint="r18.pth"),
    r18("r18-avgmax", "MODEL:\n  HEADS:\n    POOL_LAYER: AdaptiveAvgMaxPool\n", "ResNet-18, avg + max pooling", checkpoint="r18.pth"),
    r18("r18-nobnneck", "MODEL:\n  HEADS:\n    WITH_BNNECK: False\n", "ResNet-18 without BNNeck (plain dict with DataParallel 'module.' prefixes)", wrap=False, prefix="module."),
    r18("r18-embed", "MODEL:\n  HEADS:\n    EMBEDDING_DIM: 24\n    NECK_FEAT: after\n",  "ResNet-18, 1x1 reduction to 24 + BNNeck"),
    r18("r34", "MODEL:\n  BACKBONE:\n    DEPTH: 34x\n", "ResNet-34 (legacy format)", format="legacy"),
    dict(name="r50", width=1 / 16, format="zip", dtype="float16", dump=True,
         opts=["MODEL.BACKBONE.DEPTH", "50x", "MODEL.BACKBONE.FEAT_DIM", 128, "MODEL.HEADS.WITH_BNNECK", True,
               "INPUT.SIZE_TEST", [64, 32]], describes="ResNet-50 (zip, float16, cfg.dump() config)"),
    dict(name="r101", width=1 / 32, format="legacy", dtype="float16", dump=True,
         opts=["MODEL.BACKBONE.DEPTH", "101x", "MODEL.BACKBONE.FEAT_DIM", 64, "MODEL.HEADS.WITH_BNNECK", True,
               "INPUT.SIZE_TEST", [64, 32]], describes="ResNet-101 (legacy, float16)"),
    dict(name="r50-ibn", width=1 / 16, format="zip", dtype="bfloat16", base="Base-tiny.yml",
         yaml="MODEL:\n  BACKBONE:\n    DEPTH: 50x\n    FEAT_DIM: 128\n    WITH_IBN: True\n  HEADS:\n    POOL_LAYER: GeneralizedMeanPoolingP\n",
         describes="ResNet-50-IBN-a, GeM (zip, bfloat16)"),
    dict(name="r50-se", width=1 / 16, format="zip", dtype="float16", base="Base-tiny.yml",
         yaml="MODEL:\n  BACKBONE:\n    DEPTH: 50x\n    FEAT_DIM: 128\n    WITH_SE: True\n", describes="ResNet-50 with SE"),
    dict(name="mbv2", format="zip", dtype="float16", base="Base-tiny.yml",
         yaml="MODEL:\n  BACKBONE:\n    NAME: build_mobilenetv2_backbone\n    DEPTH: 0.25x\n    FEAT_DIM: 1280\n",
         describes="MobileNetV2 0.25x (FastReID layout; 1.0x with --full)"),
    dict(name="r50-ibn-folder", width=1 / 16, format="zip", dtype="float32", folder="r50-ibn-folder",
         opts=["MODEL.BACKBONE.DEPTH", "50x", "MODEL.BACKBONE.FEAT_DIM", 128, "MODEL.BACKBONE.WITH_IBN", True,
               "MODEL.HEADS.WITH_BNNECK", True, "MODEL.HEADS.NECK_FEAT", "after", "MODEL.HEADS.NUM_CLASSES", 32,
               "INPUT.SIZE_TRAIN", [128, 64], "INPUT.SIZE_TEST", [128, 64], "MODEL.HEADS.POOL_LAYER", "GeneralizedMeanPoolingP"],
         describes="a FastReID output folder: config.yaml (cfg.dump()) + model_final.pth with optimizer and scheduler state; R50-IBN at 128x64"),
]

FULL_ROWS = [
    dict(name="r50-ibn-full", format="legacy", dtype="float32", dump=True,
         opts=["MODEL.BACKBONE.DEPTH", "50x", "MODEL.BACKBONE.WITH_IBN", True, "MODEL.HEADS.WITH_BNNECK", True,
               "MODEL.HEADS.POOL_LAYER", "GeneralizedMeanPoolingP", "MODEL.HEADS.NUM_CLASSES", 751, "INPUT.SIZE_TEST", [256, 128]],
         describes="full-width ResNet-50-IBN-a, GeM, 256x128 (legacy, as the model zoo)"),
    dict(name="mbv2-full", format="zip", dtype="float32", dump=True,
         opts=["MODEL.BACKBONE.NAME", "build_mobilenetv2_backbone", "MODEL.BACKBONE.DEPTH", "1.0x",
               "MODEL.BACKBONE.FEAT_DIM", 1280, "MODEL.HEADS.WITH_BNNECK", True, "INPUT.SIZE_TEST", [256, 128]],
         describes="MobileNetV2 1.0x, 256x128"),
]


def randomise_torchvision(model, gen):
    """Random weights and BN statistics for a torchvision model (He-scaled convs, BN γ near 1)."""
    for name, t in list(model.named_parameters()) + list(model.named_buffers()):
        with torch.no_grad():
            if t.is_floating_point():
                if name.endswith("running_var"):
                    t.uniform_(0.5, 2.0, generator=gen)
                elif t.dim() == 1:
                    t.normal_(0, 0.2, generator=gen) if not name.endswith("weight") else t.uniform_(0.6, 1.4, generator=gen)
                else:
                    t.normal_(0, (2.0 / t[0].numel()) ** 0.5, generator=gen)


def torchvision_fixtures(out, gen):
    """torchvision-layout state dicts with random weights and the features they give."""
    import torchvision
    from torchvision.models import resnet as tv_resnet
    from safetensors.torch import save_file
    x = (torch.rand(2, 3, 64, 32, generator=gen) * 255).round()
    np.save(os.path.join(out, "tv-input-64x32.npy"), x.reshape(2, -1).numpy())
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1) * 255
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1) * 255
    xn = (x - mean) / std
    # resnet18 narrowed like FastReID's above: torchvision's ResNet hard-codes 64 as well.
    orig = tv_resnet.ResNet._make_layer
    w = 1 / 32

    def make_layer(self, block, planes, blocks, stride=1, dilate=False):
        if not getattr(self, "_narrow_started", False):
            self.inplanes = int(64 * w); self._narrow_started = True
        return orig(self, block, int(planes * w), blocks, stride, dilate)
    tv_resnet.ResNet._make_layer = make_layer
    m = torchvision.models.resnet18(num_classes=10)
    m.conv1 = nn.Conv2d(3, int(64 * w), 7, 2, 3, bias=False)
    m.bn1 = nn.BatchNorm2d(int(64 * w))
    m.fc = nn.Linear(int(512 * w), 10)
    tv_resnet.ResNet._make_layer = orig
    randomise_torchvision(m, gen)
    m.eval()
    with torch.no_grad():
        f = m.avgpool(m.layer4(m.layer3(m.layer2(m.layer1(m.maxpool(m.relu(m.bn1(m.conv1(xn))))))))).flatten(1)
    torch.save(m.state_dict(), os.path.join(out, "tv-resnet18.pth"))
    np.save(os.path.join(out, "tv-resnet18-features.npy"), f.numpy())
    mb = torchvision.models.mobilenet_v2(width_mult=0.1, num_classes=10)
    randomise_torchvision(mb, gen)
    mb.eval()
    with torch.no_grad():
        f = mb.features(xn).mean(dim=(2, 3))
    save_file({k: v.contiguous() for k, v in mb.state_dict().items()}, os.path.join(out, "tv-mobilenetv2.safetensors"))
    np.save(os.path.join(out, "tv-mobilenetv2-features.npy"), f.numpy())
    print("torchvision: resnet18 (w 1/32) .pth, mobilenet_v2 0.1 .safetensors")


def reader_fixtures(out):
    """Small state dicts of known values in every supported element type and layout, in both
    formats, wrapped as {"model": {"module." + name: tensor}, "epoch": …} — the reader tests."""
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.25
    sd = {
        "f32": torch.arange(6, dtype=torch.float32).reshape(2, 3) - 2.5,
        "transposed": base.t(),          # strides (1, 4): not contiguous
        "sliced": base[1:, 1:3],         # storage offset 5, strides (4, 1), storage shared with "transposed"
        "f16": (torch.arange(5) * 0.5 - 1).to(torch.float16),
        "bf16": (torch.arange(4) * 0.25 + 1).to(torch.bfloat16),
        "f64": torch.tensor([1.5, -2.25], dtype=torch.float64),
        "i64": torch.tensor([1, -2, 3]),
        "scalar": torch.tensor(7.0),
        "bn.num_batches_tracked": torch.tensor(5),
    }
    obj = {"model": {"module." + k: v for k, v in sd.items()}, "epoch": 3, "note": "reader fixture"}
    torch.save(obj, os.path.join(out, "reader-zip.pth"))
    torch.save(obj, os.path.join(out, "reader-legacy.pth"), _use_new_zipfile_serialization=False)


def teacher_folder(folder, gen):
    """A FastReID output folder (config.yaml + model_final.pth) of a full-width ResNet-50-IBN at
    128x64 with random weights: a stand-in for your own teacher in experiments/imported.yaml."""
    global WIDTH
    WIDTH = 1.0
    cfg = base_cfg()
    cfg.merge_from_list(["MODEL.BACKBONE.DEPTH", "50x", "MODEL.BACKBONE.WITH_IBN", True, "MODEL.HEADS.WITH_BNNECK", True,
                         "MODEL.HEADS.NECK_FEAT", "after", "MODEL.HEADS.POOL_LAYER", "GeneralizedMeanPoolingP",
                         "MODEL.HEADS.NUM_CLASSES", 751, "INPUT.SIZE_TRAIN", [128, 64], "INPUT.SIZE_TEST", [128, 64],
                         "OUTPUT_DIR", folder])
    model = build_model(cfg)
    randomise(model, gen, (3, 128, 64))
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.yaml"), "w") as f:
        f.write(cfg.dump())
    Checkpointer(model, folder).save("model_final")
    print("wrote %s: config.yaml + model_final.pth (ResNet-50-IBN, random weights)" % folder)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", help="write the full-width rows to this folder instead")
    ap.add_argument("--teacher-folder", help="write only a random-weight FastReID ResNet-50-IBN output folder (128x64) here")
    args = ap.parse_args()
    torch.manual_seed(18)
    gen = torch.Generator().manual_seed(18)
    if args.teacher_folder:
        return teacher_folder(os.path.abspath(args.teacher_folder), gen)
    out = os.path.abspath(args.full or OUT)
    os.makedirs(out, exist_ok=True)
    rows = FULL_ROWS if args.full else ROWS
    for f in os.listdir(out):
        if f.endswith((".pth", ".npy", ".yml", ".json", ".safetensors", ".png")):
            os.remove(os.path.join(out, f))
    if not args.full:
        with open(os.path.join(out, "Base-tiny.yml"), "w") as f:
            f.write(BASE)
    inputs = {}
    manifest = []
    for row in rows:
        run_row(row, out, inputs, gen, manifest)
    if not args.full:
        torchvision_fixtures(out, gen)
        reader_fixtures(out)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"made_by": "Scripts/fastreid_fixtures.py", "fastreid": "1.4.0", "torch": torch.__version__,
                   "rows": manifest}, f, indent=1)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out) for f in fs)
    print("wrote %s (%.2f MB)" % (out, total / 1e6))


if __name__ == "__main__":
    sys.exit(main())
