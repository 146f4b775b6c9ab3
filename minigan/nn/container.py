"""Sequential: modules applied one after the other, named "0", "1", ... as in PyTorch."""
from .module import Module, ShapeError


class Sequential(Module):
    """``Sequential(m0, m1, ...)(x) = ... m1(m0(x))``.

    The children are registered under "0", "1", ..., so state_dict keys are
    PyTorch's (``0.weight``, ``3.running_mean``).  A dict argument gives the
    names instead.  Indexing, slicing, len() and iteration work as on a list;
    a slice is a new Sequential that shares the modules and keeps their names.
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], dict):
            for name, m in modules[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(modules):
                self.add_module(str(i), m)

    def __getitem__(self, index):
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(dict(items[index]))
        try:
            return items[index][1]
        except IndexError:
            raise IndexError(f"Sequential index {index} out of range "
                             f"(it has {len(items)} modules)") from None

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def forward(self, x):
        for name, m in self._modules.items():
            try:
                x = m(x)
            except ShapeError as e:
                e.at(name)      # the message then says which layer of the stack failed
                raise
        return x
