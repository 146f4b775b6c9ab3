"""What machine a benchmark ran on: CPU model, cores, Python, BLAS and its settings."""
import os
import platform

CORETYPE_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def describe():
    """One line for a results table, e.g. 'AMD EPYC ..., 2 cores, Python 3.11.7, BLAS ...'."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    blas = "?"
    try:
        import numpy as np
        deps = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{deps.get('name')} {deps.get('version')}"
    except Exception:  # older NumPy has no dict form; the name is only informative
        pass
    env = ", ".join(f"{v}={os.environ[v]}" for v in CORETYPE_VARS if v in os.environ)
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, BLAS {blas}"
            + (f"; environment: {env}" if env else ""))


def load_average():
    """The 1-minute load average (NaN where the system does not say)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def import_torch(threads):
    """PyTorch limited to ``threads`` threads, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


def synced(torch, step, device):
    """``step`` itself on the CPU; on CUDA, ``step`` followed by a synchronisation,
    so that a timer around the call measures the kernels, not their launches."""
    if device == "cpu":
        return step

    def step_and_wait():
        step()
        torch.cuda.synchronize()
    return step_and_wait


def torch_updater(torch):
    """``update(opt, params, loss)`` for the PyTorch replicas, as minigan.gans.base.GAN
    updates: the gradients of ``loss`` with respect to ``params`` only (torch.autograd.grad,
    as mg.grad), then one optimiser step; returns the loss as a float."""
    def update(opt, params, loss):
        grads = torch.autograd.grad(loss, params, allow_unused=True)
        for p, g in zip(params, grads):
            p.grad = g
        opt.step()
        return loss.item()
    return update
