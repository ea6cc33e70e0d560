"""Classifier edges of issue 25 (item 7) and the progress note of issue 26
(item 4). Each edge test fails on the starting commit 85ba0d4."""

import logging
import warnings

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from sklearn_seismo.neural import MiniceptionClassifier, ResNetClassifier, _base


def tiny_resnet(**params):
    defaults = dict(
        n_filters=(2, 2),
        kernel_sizes=(3,),
        max_epochs=1,
        batch_size=8,
        device="cpu",
        random_state=0,
    )
    return ResNetClassifier(**{**defaults, **params})


def tiny_miniception(**params):
    defaults = dict(
        alpha=1, n_blocks=1, max_epochs=1, batch_size=8, device="cpu", random_state=0
    )
    return MiniceptionClassifier(**{**defaults, **params})


def data(n=16):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 2, 12)).astype(np.float32)
    return X, np.arange(n) % 2


@pytest.mark.parametrize("make", [tiny_resnet, tiny_miniception])
@pytest.mark.parametrize("lr", [1e300, float("inf"), float("nan")])
def test_unrepresentable_lr_is_a_parameter_error(make, lr):
    X, y = data()
    with pytest.raises(ValueError, match=r"'lr' parameter .* must be a float"):
        make(lr=lr).fit(X, y)


@pytest.mark.parametrize("bad", ["x", None, ("name", "x"), 3])
def test_callbacks_that_are_not_callbacks_are_named(bad):
    X, y = data()

    class Fine(Callback):
        pass

    callbacks = [Fine(), ("named", Fine()), Fine, bad]
    with pytest.raises(ValueError, match=r"callbacks\[3\] is .*not a skorch callback"):
        tiny_resnet(callbacks=callbacks).fit(X, y)
    # the good ones alone are fine
    tiny_resnet(callbacks=callbacks[:3]).fit(X, y)


@pytest.mark.parametrize("make", [tiny_resnet, tiny_miniception])
def test_predict_and_predict_proba_leave_torch_rng_alone(make):
    X, y = data()
    clf = make().fit(X, y)
    state = torch.get_rng_state()
    clf.predict_proba(X)
    clf.predict(X)
    assert torch.equal(torch.get_rng_state(), state)


@pytest.mark.parametrize(
    "make, X_shape, sample_shape",
    [
        (tiny_resnet, (16, 24), (2.0, 12.0)),
        (tiny_miniception, (16, 64), (np.float64(8), 8)),
    ],
)
def test_float_sample_shape_is_refused(make, X_shape, sample_shape):
    X = np.zeros(X_shape, dtype=np.float32)
    y = np.arange(16) % 2
    with pytest.raises((ValueError, TypeError), match="int"):
        make(sample_shape=sample_shape).fit(X, y)


@pytest.fixture
def fresh_hint(monkeypatch):
    monkeypatch.setattr(_base, "_progress_hint_shown", False)
    return monkeypatch


def test_long_fit_says_once_how_to_see_progress(fresh_hint, caplog):
    X, y = data()
    # every fit counts as long: the rule is epoch 1 x max_epochs >= threshold
    fresh_hint.setattr(_base, "_PROGRESS_HINT_SECONDS", 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a log record, never a Python warning
        with caplog.at_level(logging.WARNING, logger="sklearn_seismo"):
            tiny_resnet(max_epochs=3).fit(X, y)
            tiny_resnet(max_epochs=3).fit(X, y)
    notes = [r for r in caplog.records if r.name == "sklearn_seismo"]
    assert len(notes) == 1
    assert "verbose=1" in notes[0].getMessage()
    assert "first of 3 epochs" in notes[0].getMessage()


def test_short_fits_and_verbose_fits_get_no_progress_note(fresh_hint, caplog):
    X, y = data()
    with caplog.at_level(logging.WARNING, logger="sklearn_seismo"):
        clf = tiny_resnet(max_epochs=2).fit(X, y)  # default threshold: 5 min
        assert "progress_hint" in dict(clf.callbacks_)
        fresh_hint.setattr(_base, "_PROGRESS_HINT_SECONDS", 0.0)
        clf = tiny_resnet(verbose=1).fit(X, y)
        assert "progress_hint" not in dict(clf.callbacks_)
    assert not [r for r in caplog.records if r.name == "sklearn_seismo"]
