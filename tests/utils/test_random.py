"""Seed derivation (``utils/_random.py``): the one documented draw."""

import numpy as np

from sklearn_seismo.utils._random import seed_from_random_state


def test_seed_derivation_is_the_documented_draw():
    # Changing this draw would silently change every seeded result.
    rs = np.random.RandomState(5)
    ref = np.random.RandomState(5).randint(2**31 - 1, size=3)
    assert [seed_from_random_state(rs) for _ in range(3)] == ref.tolist()
    assert seed_from_random_state(7, size=4).tolist() == (
        np.random.RandomState(7).randint(2**31 - 1, size=4).tolist()
    )
