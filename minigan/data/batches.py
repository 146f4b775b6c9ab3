"""Mini-batches of a data set, epoch after epoch, reproducible and resumable.

GAN training counts iterations rather than epochs, so besides the usual one-epoch
loop (`for xb, yb in batches:`) the iterator offers `batches.next()`, an endless
stream that moves on to a new shuffled epoch whenever the current one is used up.

Each epoch's order is a permutation drawn from a generator seeded with the pair
(seed, epoch). So the whole state of the iterator is three integers — the seed, the
epoch and how many of its batches were given out — and a checkpoint that stores
`state_dict()` resumes with exactly the batches an uninterrupted run would have seen.
"""
import numpy as np


class BatchIterator:
    """Mini-batches (xb, yb) of host arrays x and y, in a seeded shuffled order.

    x:          array (N, ...), e.g. float32 (N, 1, 28, 28) images or (N, 2) points.
    y:          array (N,) of labels, or None; then every yb is None.
    batch_size: examples per batch, B.
    shuffle:    draw a new order each epoch (else keep the order of x).
    seed:       a non-negative int; the same seed gives the same batches.
    drop_last:  skip the last batch of an epoch when it has fewer than B examples,
                so that every batch has the same shape (as the GAN recipes assume).

    Each batch is a tuple (xb (B, ...), yb (B,) or None); indexing copies, so the
    caller may change a batch without changing the data set.
    """

    def __init__(self, x, y=None, *, batch_size, shuffle=True, seed=0, drop_last=True):
        self.x, self.y = x, y
        self.num_examples = check_sizes(x, y, batch_size, drop_last)
        if not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, not {seed!r}")
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.drop_last = bool(drop_last)
        self.epoch = 0      # the epoch being read
        self.position = 0   # how many of its batches were already given out
        self._order = None  # the cached permutation of self.epoch: (epoch, indices)

    def __len__(self):
        """Batches per epoch."""
        if self.drop_last:
            return self.num_examples // self.batch_size
        return -(-self.num_examples // self.batch_size)   # ceiling division

    def __iter__(self):
        """The batches of one epoch: the rest of the current one, or a whole new one."""
        if self.position >= len(self):
            self.start_next_epoch()
        while self.position < len(self):
            yield self.next()

    def next(self):
        """The next batch of an endless stream that runs through epoch after epoch."""
        if self.position >= len(self):
            self.start_next_epoch()
        start = self.position * self.batch_size
        indices = self.epoch_order()[start:start + self.batch_size]
        self.position += 1
        yb = None if self.y is None else self.y[indices]
        return self.x[indices], yb

    def start_next_epoch(self):
        self.epoch += 1
        self.position = 0

    def epoch_order(self):
        """The order (N,) in which the current epoch visits the examples."""
        if self._order is None or self._order[0] != self.epoch:
            if self.shuffle:
                # A generator of its own per epoch: the order depends on (seed, epoch)
                # only, not on how many batches were drawn before.
                rng = np.random.default_rng([self.seed, self.epoch])
                indices = rng.permutation(self.num_examples)
            else:
                indices = np.arange(self.num_examples)
            self._order = (self.epoch, indices)
        return self._order[1]

    def state_dict(self):
        """Everything needed to continue exactly here, as a JSON-serialisable dict."""
        return {
            "seed": self.seed,
            "epoch": self.epoch,
            "position": self.position,
            # Stored only to check that a resumed run reads the same data the same way.
            "num_examples": self.num_examples,
            "batch_size": self.batch_size,
            "shuffle": self.shuffle,
            "drop_last": self.drop_last,
        }

    def load_state_dict(self, state):
        """Continue from a state_dict(); the data and settings must be those it was made with."""
        for key in ("num_examples", "batch_size", "shuffle", "drop_last"):
            if state[key] != getattr(self, key):
                raise ValueError(f"cannot resume the batch iterator: the saved {key} is "
                                 f"{state[key]!r} but this one has {getattr(self, key)!r}")
        self.seed = int(state["seed"])
        self.epoch = int(state["epoch"])
        self.position = int(state["position"])
        self._order = None


def check_sizes(x, y, batch_size, drop_last):
    """Check the arguments of BatchIterator; return N, the number of examples."""
    num_examples = len(x)
    if y is not None and len(y) != num_examples:
        raise ValueError(f"x has {num_examples} examples but y has {len(y)} labels")
    if num_examples == 0:
        raise ValueError("cannot make batches of an empty data set")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        raise ValueError(f"batch_size must be an integer, not {batch_size!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    if drop_last and batch_size > num_examples:
        raise ValueError(f"batch_size {batch_size} is larger than the data set "
                         f"({num_examples} examples), so with drop_last there would "
                         f"be no batch at all: use a batch size of at most {num_examples}")
    return num_examples
