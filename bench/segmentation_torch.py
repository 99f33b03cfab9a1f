#!/usr/bin/python3
"""Reference segmenter for the segmentation benchmark: the engine's instance segmenter (the
detector of detection_torch.py plus YOLACT-style mask heads), its targets, losses and recipe,
trained with PyTorch on the CPU from the same COCO folders (masks as compressed RLE).

Needs Debian's python3-torch; run it with /usr/bin/python3. The detector's network, targets, loss,
PNG reader and cosine schedule are imported from detection_torch.py beside this file.

Network: the detector's (see detection_torch.py) up to its stride-4 feature map F, its three
detection heads on F, and two more heads on F, each Conv(64, 3, bias) ReLU then Conv(16, 1, bias)
(He normal / Glorot uniform, zero biases, as convHead builds them):
  mask_coefficients (tanh) and prototypes (ReLU), both at stride 4.
Mask of object o: sigmoid(coefficients at its centre cell . prototypes), per prototype cell.
Mask targets: per object, its centre cell (floor of the box centre / 4, clamped), its mask's share
of each prototype cell (the mean of its 4x4 pixels), the cells whose centre lies in its box
(inclusive), and its weight 1 / those cells (at least 1). Crowd objects have no mask target.
Mask loss: binary cross-entropy with logits, times the crop, summed per object, times its weight,
summed over the batch and divided by its objects (at least 1); added with weight 1 to the
detection loss.

Prints one JSON line as detection_torch.py does, plus where the held-out coefficients and
prototypes were written (`prototypes_out`: float32 little-endian [images, rows, cols, 16]
coefficients, then [images, proto_rows, proto_cols, 16] prototypes).
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import detection_torch as det  # noqa: E402

PROTOTYPES = 16
PROTO_STRIDE = 4
HEAD_FILTERS = 64


def rle_counts(text):
    """COCO's compressed counts string -> run lengths (its LEB128-like form, deltas from 2 back)."""
    counts, at = [], 0
    while at < len(text):
        value, shift, more = 0, 0, True
        while more:
            c = ord(text[at]) - 48
            value |= (c & 0x1F) << shift
            more = bool(c & 0x20)
            at += 1
            shift += 5
            if not more and c & 0x10:
                value |= -1 << shift
        if len(counts) > 2:
            value += counts[-2]
        counts.append(value)
    return counts


def rle_mask(segmentation):
    """A compressed RLE as an H x W uint8 mask (COCO's runs are column-major)."""
    height, width = segmentation["size"]
    flat = np.zeros(height * width, np.uint8)
    at, value = 0, 0
    for run in rle_counts(segmentation["counts"]):
        flat[at:at + run] = value
        at += run
        value = 1 - value
    return flat.reshape(width, height).T


def read_masks(root):
    """Per image (in id order): its annotations' masks, None for crowd ones."""
    doc = json.load(open(os.path.join(root, "coco", "annotations.json")))
    masks = {im["id"]: [] for im in doc["images"]}
    for a in doc["annotations"]:
        crowd = a.get("iscrowd", 0)
        masks[a["image_id"]].append(None if crowd else rle_mask(a["segmentation"]))
    return [masks[im["id"]] for im in sorted(doc["images"], key=lambda im: im["id"])]


def mask_targets(boxes, masks, side, slots):
    head = side // det.STRIDE
    proto = side // PROTO_STRIDE
    selection = np.zeros((slots, head * head), np.float32)
    target = np.zeros((slots, proto * proto), np.float32)
    crop = np.zeros((slots, proto * proto), np.float32)
    weight = np.zeros(slots, np.float32)
    centres = (np.arange(proto) + 0.5) * PROTO_STRIDE
    s = 0
    for (_, (x, y, w, h), crowd), mask in zip(boxes, masks):
        if crowd or mask is None:
            continue
        col = min(head - 1, max(0, int(math.floor((x + w / 2) / det.STRIDE))))
        row = min(head - 1, max(0, int(math.floor((y + h / 2) / det.STRIDE))))
        selection[s, row * head + col] = 1
        cover = mask.reshape(proto, PROTO_STRIDE, proto, PROTO_STRIDE).mean(axis=(1, 3))
        target[s] = cover.reshape(-1)
        inside_x = (centres >= x) & (centres <= x + w)
        inside_y = (centres >= y) & (centres <= y + h)
        cells = np.outer(inside_y, inside_x).astype(np.float32)
        crop[s] = cells.reshape(-1)
        weight[s] = 1.0 / max(1.0, cells.sum())
        s += 1
    return selection, target, crop, weight


def head(cin, cout, activation):
    return nn.Sequential(det.SamePadConv(cin, HEAD_FILTERS, 3), nn.ReLU(),
                         det.SamePadConv(HEAD_FILTERS, cout, 1), activation)


class Segmenter(det.Detector):
    def __init__(self, classes, keras_momentum=0.9, size_prior=0.0):
        super().__init__(classes, keras_momentum, size_prior)
        self.coefficients = head(32, PROTOTYPES, nn.Tanh())
        self.prototypes = head(32, PROTOTYPES, nn.ReLU())
        for block in (self.coefficients, self.prototypes):
            hidden, out = block[0], block[2]
            std = math.sqrt(2.0 / (hidden.in_channels * 9))
            nn.init.trunc_normal_(hidden.weight, 0.0, std, -2 * std, 2 * std)
            nn.init.zeros_(hidden.bias)
            nn.init.xavier_uniform_(out.weight)
            nn.init.zeros_(out.bias)

    def forward(self, x):
        f, t = self.features(x)
        return (*self.boxes(t), self.coefficients(f), self.prototypes(f))


def mask_loss(coefficients, prototypes, selection, target, crop, weight):
    coeffs = coefficients.flatten(2).transpose(1, 2)      # [b, head cells, k]
    protos = prototypes.flatten(2).transpose(1, 2)        # [b, proto cells, k]
    logits = torch.bmm(torch.bmm(selection, coeffs), protos.transpose(1, 2))
    bce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    objects = float((weight > 0).sum())
    return ((bce * crop).sum(2) * weight).sum() / max(1.0, objects)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--maps-out", required=True)
    ap.add_argument("--prototypes-out", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--learning-rate", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bn-momentum", type=float, default=0.9)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)

    train_px, train_boxes, _, classes = det.read_coco(a.train)
    train_masks = read_masks(a.train)
    test_px, _, test_ids, test_classes = det.read_coco(a.test)
    if classes != test_classes:
        raise SystemExit("the two folders have different categories")
    side = train_px.shape[1]
    if train_px.shape[2] != side or side % 16 or test_px.shape[1:3] != train_px.shape[1:3]:
        raise SystemExit("scenes must be square, all one size, a multiple of 16")
    rows = cols = side // det.STRIDE
    plain = det.stacked([det.targets(b, classes, rows, cols) for b in train_boxes])
    x_train = torch.from_numpy(train_px).permute(0, 3, 1, 2).float().contiguous()

    model = Segmenter(classes, a.bn_momentum, det.size_prior(train_boxes))
    opt = torch.optim.Adam(model.parameters(), lr=a.learning_rate)
    n = len(x_train)
    steps_per_epoch = (n + a.batch_size - 1) // a.batch_size
    step = 0
    start = time.time()
    for epoch in range(a.epochs):
        model.train()
        order = rng.permutation(n)
        total, masks_total, batches = 0.0, 0.0, 0
        for i in range(0, n, a.batch_size):
            idx = order[i:i + a.batch_size]
            x = x_train[torch.from_numpy(idx)]
            batch = [t[torch.from_numpy(idx)] for t in plain]
            slots = max(1, max(sum(1 for _, _, c in train_boxes[j] if not c) for j in idx))
            mt = det.stacked([mask_targets(train_boxes[j], train_masks[j], side, slots) for j in idx])
            for group in opt.param_groups:
                group["lr"] = det.cosine_rate(a.learning_rate, step, a.epochs * steps_per_epoch)
            step += 1
            opt.zero_grad()
            outputs = model(x)
            loss, _, _ = det.detection_loss(outputs[:3], batch)
            masks = mask_loss(outputs[3], outputs[4], *mt)
            (loss + masks).backward()
            opt.step()
            total += loss.item() + masks.item()
            masks_total += masks.item()
            batches += 1
        print(json.dumps({"epoch": epoch + 1, "loss": round(total / max(batches, 1), 4),
                          "mask_loss": round(masks_total / max(batches, 1), 4)}), file=sys.stderr)
    train_s = time.time() - start

    model.eval()
    x_test = torch.from_numpy(test_px).permute(0, 3, 1, 2).float()
    coefficient_parts, prototype_parts = [], []
    with open(a.maps_out, "wb") as out, torch.no_grad():
        for i in range(0, len(x_test), 64):
            heat, size, offset, coefficients, prototypes = model(x_test[i:i + 64])
            maps = torch.cat([heat, size, offset], 1).permute(0, 2, 3, 1).contiguous()
            out.write(maps.numpy().astype("<f4").tobytes())
            coefficient_parts.append(coefficients.permute(0, 2, 3, 1).numpy().astype("<f4"))
            prototype_parts.append(prototypes.permute(0, 2, 3, 1).numpy().astype("<f4"))
    with open(a.prototypes_out, "wb") as out:
        out.write(np.concatenate(coefficient_parts).tobytes())
        out.write(np.concatenate(prototype_parts).tobytes())
    proto = side // PROTO_STRIDE
    print(json.dumps({
        "peer": "pytorch", "version": torch.__version__, "threads": a.threads,
        "epochs": a.epochs, "batch_size": a.batch_size, "learning_rate": a.learning_rate,
        "augment": False, "bn_momentum": a.bn_momentum,
        "parameters": sum(p.numel() for p in model.parameters()), "train_images": n,
        "train_s": round(train_s, 2), "images_per_s": round(a.epochs * n / train_s, 1),
        "maps": a.maps_out, "prototypes_out": a.prototypes_out,
        "test_images": len(x_test), "rows": rows, "cols": cols, "classes": classes,
        "stride": det.STRIDE, "proto_rows": proto, "proto_cols": proto, "prototypes": PROTOTYPES,
        "image_ids": test_ids,
    }))


if __name__ == "__main__":
    main()
