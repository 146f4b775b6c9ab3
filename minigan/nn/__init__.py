"""Layers and models, as ``torch.nn``: ``import minigan as mg; mg.nn.Linear(784, 256)``.

    module.py      Module (registration, state_dict, train/eval, repr), errors
    parameter.py   Parameter
    init.py        PyTorch's default initialisations, DCGAN's normal(0, 0.02)
    linear.py      Linear (one fused matmul + bias)
    conv.py        Conv2d, ConvTranspose2d
    batchnorm.py   BatchNorm1d, BatchNorm2d
    activation.py  ReLU, LeakyReLU, Tanh, Sigmoid
    container.py   Sequential
    shape.py       Flatten, Unflatten
    upsampling.py  PixelShuffle, PixelUnshuffle, PReLU (super-resolution)
"""
from . import init
from .activation import LeakyReLU, ReLU, Sigmoid, Tanh
from .batchnorm import BatchNorm1d, BatchNorm2d
from .container import Sequential
from .conv import Conv2d, ConvTranspose2d
from .linear import Linear, linear
from .module import IncompatibleKeys, Module, ShapeError, StateDictError
from .parameter import Parameter
from .shape import Flatten, Unflatten
from .dropout import Dropout
from .instancenorm import InstanceNorm2d
from .padding import ReflectionPad2d
from .spectral_norm import SpectralNorm, spectral_norm
from .upsampling import PixelShuffle, PixelUnshuffle, PReLU
