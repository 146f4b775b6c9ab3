"""Differentiable functions, one module per family (``import minigan.functional as F``)."""
from .math import (add, sub, mul, div, neg, pow, exp, log, sqrt, copy, astype, matmul,
                   swapaxes, sum, mean, max, reshape, transpose, broadcast_to, sum_to,
                   flatten, getitem, concat, clip, where, maximum, minimum)
from .activation import relu, leaky_relu, sigmoid, tanh, softplus, log_sigmoid
from .loss import binary_cross_entropy_with_logits, binary_cross_entropy, mse_loss
from .loss import log_softmax, cross_entropy
from .conv import im2col, col2im, conv2d, conv_transpose2d
from .linear import linear
from .normalization import batch_norm
from .instance_norm import instance_norm
from .dropout import dropout
from .padding import reflection_pad2d
from .l1 import l1_loss
from .upsampling import pixel_shuffle, pixel_unshuffle, prelu
