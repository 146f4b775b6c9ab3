"""minigan: a readable deep-learning engine on NumPy or CuPy arrays, for GANs.

    import minigan as mg
    import minigan.functional as F
"""
from . import backend
from .autograd import Tensor, Function, tensor, grad, no_grad, enable_grad, is_grad_enabled
from .gradcheck import gradcheck, gradgradcheck, GradcheckError
from . import functional
from . import nn, optim
from .serialization import save, load

__version__ = "0.1.0"
