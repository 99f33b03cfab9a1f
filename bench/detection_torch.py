#!/usr/bin/python3
"""Reference detector for the detection benchmark: the same CenterNet-style network, targets,
loss and recipe as the engine, trained with PyTorch on the CPU from the same COCO folders.

Needs Debian's python3-torch (apt-get install -y python3-torch); run it with /usr/bin/python3,
where the Debian torch lives. Nothing else: PNGs are read with zlib and numpy.

Network (input S x S x 3, 0-255, scaled by 1/255; 'same' padding as Keras pads it, so a stride-2
convolution pads only right and bottom):
  four down blocks, c = 16, 32, 64, 128:
    Conv(c, 3, stride 2, no bias) BN ReLU  Conv(c, 3, no bias) BN ReLU      (strides 2, 4, 8, 16)
  Upsample(2, nearest) of stride 16, concat stride 8, Conv(64, 3, no bias) BN ReLU,
  Upsample(2), concat stride 4, Conv(32, 3, no bias) BN ReLU  = F (stride 4)
  one shared head trunk on F, Conv(64, 3, bias) ReLU, feeding three Conv(k, 1, bias) outputs:
    heatmap (k = classes, sigmoid, bias -2.19), box_size (k = 2, cells, bias = the training
    boxes' median side sqrt(w h) in cells), center_offset (k = 2, bias 0.5).
Init: He normal truncated at 2 std (as tfjs' heNormal draws it) for the 3x3 convolutions, Glorot
uniform for the 1x1 outputs (the engine's choice), zero biases but the ones above; BN with eps
1e-3 and momentum 0.9 in Keras' convention (-> torch momentum 0.1; --bn-momentum): Keras' default
0.99 keeps much of the initial running statistics over a short run, so inference-mode outputs
lag what training fitted.
Targets: CenterNet's Gaussian heatmap (gaussian_radius, min overlap 0.7; max over objects), size
and offset at each centre cell; crowd boxes are no objects and their cells are left out of the
heatmap loss. Loss: penalty-reduced focal loss (alpha 2, beta 4) / objects + 0.1 L1(size) +
L1(offset), the L1 terms summed over both coordinates and divided by the centre cells, as the
engine's loss normalises them (the Gaussian's radius from the exact side in cells, as there).
Adam with the learning rate on a cosine per step from the given rate down to 2% of it over the
planned steps, shuffled epochs.

Prints one JSON line: peer, version, threads, epochs, batch_size, learning_rate, bn_momentum,
parameters (trainable), train_images,
train_s (epochs only), images_per_s, and where the held-out images' raw outputs were written
(`maps`: float32 little-endian [images, rows, cols, classes + 4], channels heatmap..., w, h,
offset x, y; `image_ids` in that order), so the benchmark decodes and scores both engines' outputs
with one decoder and one COCOeval.
"""
import argparse
import json
import math
import os
import struct
import sys
import time
import zlib

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

STRIDE = 4


# --- reading the dataset ------------------------------------------------------------------------

def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def read_png(path):
    """8-bit, non-interlaced grey, RGB or RGBA PNG as an H x W x 3 uint8 array."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{os.path.basename(path)}: not a PNG")
    at, idat = 8, []
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        at += 12 + length
    channels = {0: 1, 2: 3, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"{os.path.basename(path)}: unsupported PNG layout")
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), np.uint8)
    stride = width * channels
    rows = raw.reshape(height, stride + 1)
    out = np.zeros((height, stride), np.uint8)
    previous = np.zeros(stride, np.uint8)
    for y in range(height):
        kind, line = rows[y, 0], rows[y, 1:]
        if kind == 0:
            row = line.copy()
        elif kind == 1:
            row = np.cumsum(line.reshape(width, channels), axis=0, dtype=np.uint8).reshape(-1)
        elif kind == 2:
            row = line + previous
        else:
            row = np.zeros(stride, np.uint8)
            for x in range(stride):
                left = int(row[x - channels]) if x >= channels else 0
                up = int(previous[x])
                corner = int(previous[x - channels]) if x >= channels else 0
                guess = (left + up) // 2 if kind == 3 else paeth(left, up, corner)
                row[x] = (int(line[x]) + guess) & 255
        out[y] = row
        previous = row
    image = out.reshape(height, width, channels)
    if channels == 1:
        image = np.repeat(image, 3, axis=2)
    return image[:, :, :3]


def read_coco(root):
    doc = json.load(open(os.path.join(root, "coco", "annotations.json")))
    categories = sorted(c["id"] for c in doc["categories"])
    index_of = {cid: i for i, cid in enumerate(categories)}
    boxes = {im["id"]: [] for im in doc["images"]}
    for a in doc["annotations"]:
        boxes[a["image_id"]].append((index_of[a["category_id"]], a["bbox"], a.get("iscrowd", 0)))
    images = sorted(doc["images"], key=lambda im: im["id"])
    pixels = np.stack([read_png(os.path.join(root, "images", im["file_name"])) for im in images])
    return pixels, [boxes[im["id"]] for im in images], [im["id"] for im in images], len(categories)


# --- targets ------------------------------------------------------------------------------------

def gaussian_radius(height, width, min_overlap=0.7):
    """CenterNet's radius: the largest corner shift keeping IoU >= min_overlap, in three cases."""
    b1 = height + width
    c1 = width * height * (1 - min_overlap) / (1 + min_overlap)
    r1 = (b1 + math.sqrt(b1 ** 2 - 4 * c1)) / 2
    b2 = 2 * (height + width)
    c2 = (1 - min_overlap) * width * height
    r2 = (b2 + math.sqrt(b2 ** 2 - 16 * c2)) / 2
    a3 = 4 * min_overlap
    b3 = -2 * min_overlap * (height + width)
    c3 = (min_overlap - 1) * width * height
    r3 = (b3 + math.sqrt(b3 ** 2 - 4 * a3 * c3)) / 2
    return min(r1, r2, r3)


def draw_gaussian(heatmap, cx, cy, radius):
    diameter = 2 * radius + 1
    sigma = diameter / 6
    ys, xs = np.ogrid[-radius:radius + 1, -radius:radius + 1]
    g = np.exp(-(xs * xs + ys * ys) / (2 * sigma * sigma))
    g[g < np.finfo(g.dtype).eps * g.max()] = 0
    rows, cols = heatmap.shape
    left, right = min(cx, radius), min(cols - cx, radius + 1)
    top, bottom = min(cy, radius), min(rows - cy, radius + 1)
    region = heatmap[cy - top:cy + bottom, cx - left:cx + right]
    patch = g[radius - top:radius + bottom, radius - left:radius + right]
    np.maximum(region, patch, out=region)


def targets(boxes, classes, rows, cols):
    heat = np.zeros((classes, rows, cols), np.float32)
    centre = np.zeros((classes, rows, cols), np.float32)
    valid = np.ones((rows, cols), np.float32)
    size = np.zeros((2, rows, cols), np.float32)
    offset = np.zeros((2, rows, cols), np.float32)
    mask = np.zeros((1, rows, cols), np.float32)
    for k, (x, y, w, h), crowd in boxes:
        if crowd:
            c0, r0 = int(math.floor(x / STRIDE)), int(math.floor(y / STRIDE))
            c1, r1 = int(math.ceil((x + w) / STRIDE)), int(math.ceil((y + h) / STRIDE))
            valid[max(0, r0):min(rows, r1), max(0, c0):min(cols, c1)] = 0
            continue
        w_cells, h_cells = w / STRIDE, h / STRIDE
        cx, cy = (x + w / 2) / STRIDE, (y + h / 2) / STRIDE
        col = min(cols - 1, max(0, int(math.floor(cx))))
        row = min(rows - 1, max(0, int(math.floor(cy))))
        # The exact side in cells, as the engine's targets take it (rounding up widened the peaks).
        radius = max(0, int(gaussian_radius(h_cells, w_cells)))
        draw_gaussian(heat[k], col, row, radius)
        centre[k, row, col] = 1
        size[:, row, col] = (w_cells, h_cells)
        offset[:, row, col] = (cx - col, cy - row)
        mask[0, row, col] = 1
    return heat, centre, valid, size, offset, mask


def flipped(boxes, side):
    return [(k, (side - x - w, y, w, h), crowd) for k, (x, y, w, h), crowd in boxes]


# --- the network --------------------------------------------------------------------------------

class SamePadConv(nn.Conv2d):
    """Conv2d padded as Keras' 'same' pads it (for stride 2: the extra pixel right and bottom)."""

    def __init__(self, cin, cout, k, stride=1, bias=True):
        super().__init__(cin, cout, k, stride=stride, padding=0, bias=bias)

    def forward(self, x):
        k, s = self.kernel_size[0], self.stride[0]
        size = x.shape[-1]
        total = max(k - s, 0) if size % s == 0 else max(k - size % s, 0)
        before = total // 2
        return super().forward(F.pad(x, (before, total - before, before, total - before)))


def conv_bn_relu(cin, cout, keras_momentum, stride=1):
    # Keras' momentum is the share of the running statistics kept per step; torch's is the rest.
    return nn.Sequential(
        SamePadConv(cin, cout, 3, stride, bias=False),
        nn.BatchNorm2d(cout, eps=1e-3, momentum=1 - keras_momentum),
        nn.ReLU(),
    )


COSINE_FLOOR = 0.02


def stacked(per_image):
    """Per-image tuples of target arrays → one tensor per target, the images stacked."""
    return [torch.from_numpy(np.stack(part)) for part in zip(*per_image)]


def size_prior(boxes):
    """The median object's side in heatmap cells: where the size head's bias starts."""
    sides = sorted(math.sqrt(w * h) / STRIDE for b in boxes for _, (_, _, w, h), crowd in b if not crowd)
    return sides[len(sides) // 2] if sides else 0.0


def cosine_rate(base, step, total):
    progress = min(1.0, max(0.0, step / max(1, total)))
    return base * (COSINE_FLOOR + (1 - COSINE_FLOOR) * 0.5 * (1 + math.cos(math.pi * progress)))


class Detector(nn.Module):
    def __init__(self, classes, keras_momentum=0.9, size_prior=0.0):
        super().__init__()
        keep = keras_momentum
        self.down = nn.ModuleList()
        cin = 3
        for c in (16, 32, 64, 128):
            self.down.append(nn.Sequential(conv_bn_relu(cin, c, keep, 2), conv_bn_relu(c, c, keep)))
            cin = c
        self.up8 = conv_bn_relu(128 + 64, 64, keep)
        self.up4 = conv_bn_relu(64 + 32, 32, keep)
        self.trunk = nn.Sequential(SamePadConv(32, 64, 3), nn.ReLU())
        self.heatmap = SamePadConv(64, classes, 1)
        self.box_size = SamePadConv(64, 2, 1)
        self.center_offset = SamePadConv(64, 2, 1)
        outputs = (self.heatmap, self.box_size, self.center_offset)
        for m in self.modules():
            if m in outputs:
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Conv2d):
                std = math.sqrt(2.0 / (m.in_channels * m.kernel_size[0] * m.kernel_size[1]))
                nn.init.trunc_normal_(m.weight, 0.0, std, -2 * std, 2 * std)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
        # A prior of 0.1 everywhere, so the first steps are not swamped by the negatives' loss.
        nn.init.constant_(self.heatmap.bias, -2.19)
        # Starting at the typical answer saves the slow size L1 (weight 0.1) epochs of walking.
        nn.init.constant_(self.box_size.bias, size_prior)
        nn.init.constant_(self.center_offset.bias, 0.5)

    def features(self, x):
        """The stride-4 decoder features and the trunk over them, which the heads read."""
        x = x / 255.0
        maps = []
        for block in self.down:
            x = block(x)
            maps.append(x)
        _, s4, s8, s16 = maps
        f = self.up8(torch.cat([F.interpolate(s16, scale_factor=2, mode="nearest"), s8], 1))
        f = self.up4(torch.cat([F.interpolate(f, scale_factor=2, mode="nearest"), s4], 1))
        return f, self.trunk(f)

    def boxes(self, t):
        return torch.sigmoid(self.heatmap(t)), self.box_size(t), self.center_offset(t)

    def forward(self, x):
        _, t = self.features(x)
        return self.boxes(t)


def detection_loss(outputs, batch):
    heat_p, size_p, offset_p = outputs
    heat, centre, valid, size, offset, mask = batch
    p = heat_p.clamp(1e-4, 1 - 1e-4)
    # Centre cells (any class), the engine's normaliser of every term.
    centres = mask.sum().clamp(min=1)
    positive = torch.log(p) * (1 - p) ** 2 * centre
    negative = torch.log(1 - p) * p ** 2 * (1 - heat) ** 4 * (1 - centre) * valid.unsqueeze(1)
    focal = -(positive.sum() + negative.sum()) / centres
    # Both coordinates summed per centre, as the engine does (per coordinate halved the box loss).
    size_l1 = (torch.abs(size_p - size) * mask).sum() / centres
    offset_l1 = (torch.abs(offset_p - offset) * mask).sum() / centres
    return focal + 0.1 * size_l1 + offset_l1, focal, size_l1 + offset_l1


# --- training -----------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True, help="COCO folder of the training scenes")
    ap.add_argument("--test", required=True, help="COCO folder of the held-out scenes")
    ap.add_argument("--maps-out", required=True, help="file for the held-out raw outputs")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--learning-rate", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--augment", action="store_true", help="random horizontal flips")
    ap.add_argument("--bn-momentum", type=float, default=0.9,
                    help="Keras convention: the share of the running statistics kept per step")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)

    train_px, train_boxes, _, classes = read_coco(a.train)
    test_px, _, test_ids, test_classes = read_coco(a.test)
    if classes != test_classes:
        raise SystemExit("the two folders have different categories")
    side = train_px.shape[1]
    if train_px.shape[2] != side or side % 16 or test_px.shape[1:3] != train_px.shape[1:3]:
        raise SystemExit("scenes must be square, all one size, a multiple of 16")
    rows = cols = side // STRIDE
    plain = stacked([targets(b, classes, rows, cols) for b in train_boxes])
    mirrored = stacked([targets(flipped(b, side), classes, rows, cols) for b in train_boxes]) if a.augment else None
    x_train = torch.from_numpy(train_px).permute(0, 3, 1, 2).float().contiguous()

    model = Detector(classes, a.bn_momentum, size_prior(train_boxes))
    opt = torch.optim.Adam(model.parameters(), lr=a.learning_rate)
    n = len(x_train)
    steps_per_epoch = (n + a.batch_size - 1) // a.batch_size
    step = 0
    start = time.time()
    for epoch in range(a.epochs):
        model.train()
        order = torch.from_numpy(rng.permutation(n))
        total, batches = 0.0, 0
        for i in range(0, n, a.batch_size):
            idx = order[i:i + a.batch_size]
            x = x_train[idx]
            batch = [t[idx] for t in plain]
            if mirrored is not None:
                flip = torch.from_numpy(rng.random(len(idx)) < 0.5)
                x = torch.where(flip[:, None, None, None], x.flip(3), x)
                batch = [torch.where(flip.view(-1, *([1] * (t.dim() - 1))), m[idx], t)
                         for t, m in zip(batch, mirrored)]
            for group in opt.param_groups:
                group["lr"] = cosine_rate(a.learning_rate, step, a.epochs * steps_per_epoch)
            step += 1
            opt.zero_grad()
            loss, _, _ = detection_loss(model(x), batch)
            loss.backward()
            opt.step()
            total += loss.item()
            batches += 1
        print(json.dumps({"epoch": epoch + 1, "loss": round(total / max(batches, 1), 4)}), file=sys.stderr)
    train_s = time.time() - start

    model.eval()
    x_test = torch.from_numpy(test_px).permute(0, 3, 1, 2).float()
    with open(a.maps_out, "wb") as out, torch.no_grad():
        for i in range(0, len(x_test), 64):
            heat, size, offset = model(x_test[i:i + 64])
            maps = torch.cat([heat, size, offset], 1).permute(0, 2, 3, 1).contiguous()
            out.write(maps.numpy().astype("<f4").tobytes())
    print(json.dumps({
        "peer": "pytorch", "version": torch.__version__, "threads": a.threads,
        "epochs": a.epochs, "batch_size": a.batch_size, "learning_rate": a.learning_rate,
        "augment": a.augment, "bn_momentum": a.bn_momentum,
        "parameters": sum(p.numel() for p in model.parameters()), "train_images": n, "train_s": round(train_s, 2),
        "images_per_s": round(a.epochs * n / train_s, 1), "maps": a.maps_out,
        "test_images": len(x_test), "rows": rows, "cols": cols, "classes": classes,
        "stride": STRIDE, "image_ids": test_ids,
    }))


if __name__ == "__main__":
    main()
