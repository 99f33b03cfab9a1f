# Reads a functional model.h5 the way Keras' legacy loader does, with h5py and numpy only, and runs
# it: the graph from model_config (inbound_nodes), the layer order Keras derives from that graph
# (by depth, ties in traversal order), and each layer's weights taken by position from
# model_weights, as Keras matches them. A file Keras would misread fails here or computes
# different numbers.
#
#   python3 keras-h5-forward.py model.h5 images.f32 N S
# prints {"layer_names": [...], "keras_order": [...], "outputs": {name: {"shape", "values"}}}

import json
import sys

import h5py
import numpy as np


def text(value):
    return value.decode('utf8') if hasattr(value, 'decode') else str(value)


def names_attr(group, name):
    return [text(n) for n in group.attrs[name]] if name in group.attrs else []


def parents_of(layer):
    nodes = layer['inbound_nodes']
    assert len(nodes) <= 1, 'layers used once only'
    return [inbound[0] for inbound in nodes[0]] if nodes else []


def keras_layer_order(config):
    """Keras' Functional._map_graph_network for layers called once."""
    layers = {layer['name']: layer for layer in config['layers']}
    indices, finished, post_order = {}, set(), []

    def visit(name):
        if name in finished:
            return
        indices.setdefault(name, len(indices))
        for parent in parents_of(layers[name]):
            visit(parent)
        finished.add(name)
        post_order.append(name)

    for output in config['output_layers']:
        visit(output[0])
    depth = {}
    for name in reversed(post_order):
        d = depth.setdefault(name, 0)
        for parent in parents_of(layers[name]):
            depth[parent] = max(depth.get(parent, 0), d + 1)
    return sorted(post_order, key=lambda n: (-depth[n], indices[n]))


def conv2d(x, kernel, strides, padding):
    kh, kw, _, out_c = kernel.shape
    n, h, w, _ = x.shape
    sy, sx = strides
    if padding == 'same':
        oh, ow = -(-h // sy), -(-w // sx)
        py, px = max((oh - 1) * sy + kh - h, 0), max((ow - 1) * sx + kw - w, 0)
        x = np.pad(x, ((0, 0), (py // 2, py - py // 2), (px // 2, px - px // 2), (0, 0)))
    else:
        oh, ow = (h - kh) // sy + 1, (w - kw) // sx + 1
    y = np.zeros((n, oh, ow, out_c))
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i:i + sy * (oh - 1) + 1:sy, j:j + sx * (ow - 1) + 1:sx, :]
            y += patch @ kernel[i, j]
    return y


ACTIVATIONS = {
    'linear': lambda v: v,
    'relu': lambda v: np.maximum(v, 0),
    'sigmoid': lambda v: 1 / (1 + np.exp(-v)),
}


def run_layer(kind, cfg, inputs, weights):
    x = inputs[0]
    if kind == 'Rescaling':
        return x * cfg['scale'] + cfg.get('offset', 0)
    if kind == 'Conv2D':
        assert cfg['data_format'] == 'channels_last' and cfg['dilation_rate'] == [1, 1]
        y = conv2d(x, weights[0], cfg['strides'], cfg['padding'])
        if cfg['use_bias']:
            y = y + weights[1]
        return ACTIVATIONS[cfg['activation']](y)
    if kind == 'BatchNormalization':
        assert cfg['axis'] in (-1, 3, [3]) and cfg['center'] and cfg['scale']
        gamma, beta, mean, variance = weights
        return (x - mean) / np.sqrt(variance + cfg['epsilon']) * gamma + beta
    if kind == 'ReLU':
        assert cfg.get('max_value') is None
        return np.maximum(x, 0)
    if kind == 'UpSampling2D':
        assert cfg['interpolation'] == 'nearest'
        sy, sx = cfg['size']
        return x.repeat(sy, axis=1).repeat(sx, axis=2)
    if kind == 'Concatenate':
        return np.concatenate(inputs, axis=cfg['axis'])
    raise AssertionError('layer kind not expected: ' + kind)


def main():
    path, images_path, count, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    f = h5py.File(path, 'r')
    assert text(f.attrs['keras_version']).startswith('2.')
    assert text(f.attrs['backend']) == 'tensorflow'
    model_config = json.loads(text(f.attrs['model_config']))
    assert model_config['class_name'] in ('Model', 'Functional'), model_config['class_name']
    config = model_config['config']
    layers = {layer['name']: layer for layer in config['layers']}
    assert [layer['class_name'] for layer in config['layers']].count('InputLayer') == 1

    order = keras_layer_order(config)
    mw = f['model_weights']
    layer_names = names_attr(mw, 'layer_names')
    # Keras pairs the stored layers that have weights with its own layers that have weights, by
    # position; every weight dataset sits at model_weights/<layer>/<weight name>.
    stored = [name for name in layer_names if names_attr(mw[name], 'weight_names')]
    weighted = [n for n in order if layers[n]['class_name'] in ('Conv2D', 'BatchNormalization')]
    assert len(stored) == len(weighted), (stored, weighted)
    weights = {}
    for stored_name, layer_name in zip(stored, weighted):
        group = mw[stored_name]
        values = []
        for weight_name in names_attr(group, 'weight_names'):
            data = group[weight_name]
            assert data.dtype == np.float32, weight_name
            values.append(np.asarray(data, dtype=np.float64))
        weights[layer_name] = values

    pixels = np.fromfile(images_path, dtype=np.float32).reshape(count, size, size, 3)
    values = {}
    for name in order:
        layer = layers[name]
        if layer['class_name'] == 'InputLayer':
            assert layer['config']['batch_input_shape'][1:] == [size, size, 3]
            values[name] = pixels.astype(np.float64)
            continue
        inputs = [values[p] for p in parents_of(layer)]
        values[name] = run_layer(layer['class_name'], layer['config'], inputs, weights.get(name))
    outputs = {}
    for output in config['output_layers']:
        y = values[output[0]]
        outputs[output[0]] = {'shape': list(y.shape), 'values': y.ravel().tolist()}
    print(json.dumps({'layer_names': layer_names, 'keras_order': order, 'outputs': outputs}))


main()
