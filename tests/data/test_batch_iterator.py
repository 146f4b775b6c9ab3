"""BatchIterator: coverage, drop_last, seeded order, exact resumption, clear errors."""
import json

import numpy as np
import pytest

from minigan.data import BatchIterator


def numbered(n):
    """x (n, 2) float32 whose rows carry their index, and y (n,) int64 = index."""
    return np.repeat(np.arange(n, dtype=np.float32)[:, None], 2, axis=1), np.arange(n)


def test_every_example_once_per_epoch_without_drop_last():
    x, y = numbered(103)
    batches = BatchIterator(x, y, batch_size=10, drop_last=False, seed=1)
    assert len(batches) == 11
    seen = [yb for _, yb in batches]
    assert [len(b) for b in seen] == [10] * 10 + [3]
    assert sorted(np.concatenate(seen).tolist()) == list(range(103))


def test_drop_last_gives_full_batches_of_distinct_examples():
    x, y = numbered(103)
    batches = BatchIterator(x, y, batch_size=10, seed=1)
    assert len(batches) == 10
    seen = [(xb, yb) for xb, yb in batches]
    assert all(xb.shape == (10, 2) and yb.shape == (10,) for xb, yb in seen)
    labels = np.concatenate([yb for _, yb in seen])
    assert len(set(labels.tolist())) == 100
    for xb, yb in seen:              # x and y stay aligned
        assert np.array_equal(xb[:, 0], yb)


def test_epochs_are_shuffled_differently_and_reproducibly():
    x, _ = numbered(50)
    first = BatchIterator(x, batch_size=50, seed=7)
    epoch0, epoch1 = first.next()[0], first.next()[0]
    assert not np.array_equal(epoch0, epoch1)
    assert first.epoch == 1
    second = BatchIterator(x, batch_size=50, seed=7)
    assert np.array_equal(second.next()[0], epoch0) and np.array_equal(second.next()[0], epoch1)
    other = BatchIterator(x, batch_size=50, seed=8)
    assert not np.array_equal(other.next()[0], epoch0)


def test_without_shuffle_the_order_is_kept_and_y_may_be_none():
    x, _ = numbered(6)
    batches = BatchIterator(x, batch_size=4, shuffle=False, drop_last=False)
    (xb0, yb0), (xb1, _) = list(batches)
    assert xb0[:, 0].tolist() == [0, 1, 2, 3] and xb1[:, 0].tolist() == [4, 5] and yb0 is None


def test_for_loop_runs_one_epoch_and_next_crosses_epochs():
    x, y = numbered(20)
    batches = BatchIterator(x, y, batch_size=5, seed=0)
    assert len(list(batches)) == 4 and len(list(batches)) == 4
    assert batches.epoch == 1
    stream = [batches.next()[1] for _ in range(9)]   # 9 batches: epochs 2, 3 and one of 4
    assert batches.epoch == 4 and batches.position == 1
    assert sorted(np.concatenate(stream[:4]).tolist()) == list(range(20))


@pytest.mark.parametrize("taken", [0, 3, 7, 8, 21])
def test_state_dict_round_trip_continues_with_identical_batches(taken):
    x, y = numbered(37)
    original = BatchIterator(x, y, batch_size=9, seed=11)
    for _ in range(taken):
        original.next()
    state = json.loads(json.dumps(original.state_dict()))   # as a checkpoint stores it
    resumed = BatchIterator(x, y, batch_size=9, seed=0)      # the seed comes from the state
    resumed.load_state_dict(state)
    for _ in range(10):                                      # across epoch boundaries
        (xa, ya), (xb, yb) = original.next(), resumed.next()
        assert np.array_equal(xa, xb) and np.array_equal(ya, yb)


def test_state_dict_round_trip_in_the_middle_of_a_for_loop():
    x, y = numbered(30)
    original = BatchIterator(x, y, batch_size=4, seed=2)
    epoch = iter(original)
    next(epoch), next(epoch)
    resumed = BatchIterator(x, y, batch_size=4, seed=2)
    resumed.load_state_dict(original.state_dict())
    rest_original = [yb.tolist() for _, yb in epoch]
    rest_resumed = [yb.tolist() for _, yb in resumed]
    assert rest_original == rest_resumed and len(rest_resumed) == 5


def test_load_state_dict_refuses_a_different_setup():
    x, y = numbered(30)
    state = BatchIterator(x, y, batch_size=4).state_dict()
    with pytest.raises(ValueError, match="batch_size is 4 but this one has 5"):
        BatchIterator(x, y, batch_size=5).load_state_dict(state)
    with pytest.raises(ValueError, match="num_examples"):
        BatchIterator(x[:20], y[:20], batch_size=4).load_state_dict(state)


def test_clear_errors_for_bad_arguments():
    x, y = numbered(10)
    too_big = r"batch_size 11 is larger than the data set \(10 examples\)"
    with pytest.raises(ValueError, match=too_big):
        BatchIterator(x, y, batch_size=11)
    assert len(BatchIterator(x, y, batch_size=11, drop_last=False)) == 1
    for bad in (0, -1, 2.5, True, "8"):
        with pytest.raises(ValueError, match="batch_size"):
            BatchIterator(x, y, batch_size=bad)
    with pytest.raises(ValueError, match="10 examples but y has 9 labels"):
        BatchIterator(x, y[:9], batch_size=2)
    with pytest.raises(ValueError, match="empty"):
        BatchIterator(x[:0], batch_size=2)
    with pytest.raises(ValueError, match="seed"):
        BatchIterator(x, batch_size=2, seed=-1)
