"""What every GAN here shares: two networks, two optimisers, a noise source, a state.

A model file (mlp.py, dcgan.py, wgan.py, cgan.py) subclasses ``GAN`` and writes
its ``train_step`` as its paper's algorithm.  The helpers below keep those
dozen lines free of bookkeeping.
"""
from .. import autograd, backend


class GAN:
    """A generator G, a discriminator (or critic) D, and their optimisers.

    G: Module mapping z (N, latent_dim) to samples (N, ...); D: Module mapping
    samples to logits or scores (N, 1).  ``n_critic`` D steps per G step.
    """

    def __init__(self, G, D, opt_g, opt_d, latent_dim, n_critic=1, seed=0):
        self.G, self.D = G, D
        self.opt_g, self.opt_d = opt_g, opt_d
        self.latent_dim = latent_dim
        self.n_critic = n_critic
        self.rng = backend.default_rng(seed)

    def noise(self, n, rng=None):
        """z ~ N(0, I): (n, latent_dim), float32, from ``rng`` (default: the training one)."""
        rng = self.rng if rng is None else rng
        return autograd.Tensor(rng.standard_normal((n, self.latent_dim), dtype="float32"))

    @staticmethod
    def update(optimizer, loss):
        """One optimiser step on d(loss)/d(optimizer's parameters).

        ``mg.grad`` with exactly these parameters prunes the rest of the graph:
        the generator's step computes no gradients for D's weights.
        """
        params = optimizer.params
        grads = autograd.grad(loss, params, allow_unused=True)
        for p, g in zip(params, grads):
            p.grad = g
        optimizer.step()
        return loss.item()

    def generator_inputs(self, n, rng=None):
        """What G is called with to draw n samples: here just the noise z."""
        return (self.noise(n, rng),)

    def generate(self, n, training=False, rng=None, **conditions):
        """n samples from G as a raw array (eval mode unless ``training``).

        Pass ``rng`` for pictures and scores: drawing from the training generator
        would change the rest of the run, and a resumed run would then differ.
        ``conditions`` go to ``generator_inputs`` (cgan's ``labels``).
        """
        inputs = self.generator_inputs(n, rng, **conditions)
        was_training = self.G.training
        self.G.train(training)
        with autograd.no_grad():
            x = self.G(*inputs).data
        self.G.train(was_training)
        return x

    def train_step(self, next_batch):
        """One generator update (after n_critic discriminator updates); returns losses."""
        raise NotImplementedError

    # -- checkpoints: every piece of state that makes a resumed run bit-identical
    def state_dict(self):
        state = {"G": self.G.state_dict(), "D": self.D.state_dict(),
                 "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict()}
        rng = backend.generator_state(self.rng)
        if rng is not None:
            state["rng"] = rng
        return state

    def load_state_dict(self, state):
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        backend.set_generator_state(self.rng, state.get("rng"))
