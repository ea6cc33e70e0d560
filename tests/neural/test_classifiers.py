"""Behaviour of the skorch classifiers beyond scikit-learn's common checks."""

import io
import os
import pickle
import warnings

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import balanced_accuracy_score, log_loss
from sklearn.model_selection import GridSearchCV, cross_validate, train_test_split
from sklearn.utils.class_weight import compute_class_weight
from skorch.callbacks import Callback, Checkpoint
from skorch.exceptions import DeviceWarning

from sklearn_seismo.neural import MiniceptionClassifier, ResNetClassifier


def tiny_resnet(**params):
    defaults = dict(
        n_filters=(4, 8, 8), max_epochs=2, batch_size=8, device="cpu", random_state=0
    )
    return ResNetClassifier(**{**defaults, **params})


def tiny_miniception(**params):
    defaults = dict(
        alpha=1,
        n_blocks=2,
        max_epochs=2,
        lr=1e-2,
        batch_size=8,
        device="cpu",
        random_state=0,
    )
    return MiniceptionClassifier(**{**defaults, **params})


def waveforms(n=48, n_channels=2, n_times=32, n_classes=3, seed=0):
    """Class k is a sine of frequency k + 1 plus noise: easy to separate."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    t = np.linspace(0, 1, n_times)
    X = np.sin(2 * np.pi * (y[:, None, None] + 1) * t) + 0.3 * rng.normal(
        size=(n, n_channels, n_times)
    )
    return X.astype(np.float32), y


def gathers(n=32, size=8, n_classes=2, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    X = rng.normal(size=(n, size, size)) + y[:, None, None]
    return X.astype(np.float32), y


class SpyAugmenter:
    """Records every batch it sees; adds a large offset so the effect shows."""

    def __init__(self, offset=5.0):
        self.offset = offset
        self.calls = []

    def augment_batch(self, X, rng):
        assert isinstance(rng, np.random.Generator)
        self.calls.append((X.shape, X.dtype, X.copy()))
        return X + np.float32(self.offset) + rng.normal(size=X.shape).astype(X.dtype)


def test_same_random_state_gives_bit_identical_fit_and_leaves_torch_rng_alone():
    X, y = waveforms()
    state = torch.get_rng_state()
    a = tiny_resnet(random_state=3).fit(X, y)
    assert torch.equal(torch.get_rng_state(), state)
    b = tiny_resnet(random_state=3).fit(X, y)
    c = tiny_resnet(random_state=4).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    for (name, pa), pb in zip(
        a.module_.state_dict().items(), b.module_.state_dict().values()
    ):
        assert torch.equal(pa, pb), name
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


@pytest.mark.parametrize("labels", [["bad", "good", "medium"], [-1, 5, 10]])
def test_any_labels_round_trip(labels):
    X, y_idx = waveforms()
    y = np.asarray(labels, dtype=object if isinstance(labels[0], str) else int)[y_idx]
    clf = tiny_resnet(max_epochs=3, lr=1e-2).fit(X, y)
    assert list(clf.classes_) == sorted(labels)
    pred = clf.predict(X)
    assert set(pred) <= set(labels)
    assert pred.dtype == clf.classes_.dtype
    # predict is the argmax of predict_proba, mapped through classes_
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=1)])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert clf.score(X, y) > 0.5  # learned, so the labels are not scrambled


def test_class_order_sets_classes_and_ordinal_head():
    X, y_idx = gathers(n=30, n_classes=3)
    order = ["good", "medium", "bad"]
    y = np.asarray(order, dtype=object)[y_idx]
    clf = tiny_miniception(head="ordinal", class_order=order).fit(X, y)
    assert list(clf.classes_) == order
    proba = clf.predict_proba(X)
    assert proba.shape == (30, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    thresholds = clf.module_.out.thresholds().detach().numpy()
    assert np.all(np.diff(thresholds) > 0)
    with pytest.raises(ValueError, match="not in class_order"):
        tiny_miniception(class_order=["good", "medium"]).fit(X, y)


def test_early_stopping_stops_and_restores_the_best_epoch():
    # labels are pure noise: the validation loss soon rises (overfitting)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 1, 16)).astype(np.float32)
    y = rng.integers(0, 2, 64)
    X_val = rng.normal(size=(40, 1, 16)).astype(np.float32)
    y_val = rng.integers(0, 2, 40)
    clf = tiny_resnet(
        max_epochs=40, lr=3e-2, early_stopping=True, patience=2, batch_size=16
    ).fit(X, y, X_val=X_val, y_val=y_val)
    valid_loss = np.asarray(clf.history_[:, "valid_loss"])
    assert len(valid_loss) < 40, "early stopping did not stop"
    best = int(np.argmin(valid_loss))
    assert best < len(valid_loss) - 1
    # the restored weights are those of the best epoch, not of the last one
    restored = log_loss(y_val, clf.predict_proba(X_val), labels=clf.classes_)
    assert restored == pytest.approx(valid_loss[best], rel=1e-4)
    assert restored < valid_loss[-1]


def test_internal_validation_split_and_its_errors():
    X, y = waveforms(n=60)
    clf = tiny_resnet(early_stopping=True, validation_fraction=0.2).fit(X, y)
    assert "valid_loss" in clf.history_[-1]
    # stratified 20 %: 12 of the 60 samples, 4 per class, are held out
    assert sum(clf.history_[-1, "batches", :, "valid_batch_size"]) == 12
    assert sum(clf.history_[-1, "batches", :, "train_batch_size"]) == 48
    # without early stopping nor X_val there is no validation at all
    plain = tiny_resnet().fit(X, y)
    assert "valid_loss" not in plain.history_[-1]
    y_rare = y.copy()
    y_rare[:] = 0
    y_rare[0] = 1
    with pytest.raises(ValueError, match="stratified validation split"):
        tiny_resnet(early_stopping=True).fit(X, y_rare)
    with pytest.raises(ValueError, match="both X_val and y_val"):
        tiny_resnet().fit(X, y, X_val=X)
    with pytest.raises(ValueError, match="unseen in fit"):
        tiny_resnet().fit(X, y, X_val=X[:3], y_val=np.array([0, 1, 7]))


def test_parallel_folds_keep_their_own_best_weights(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 1, 16)).astype(np.float32)
    y = rng.integers(0, 2, 60)
    X_val = rng.normal(size=(25, 1, 16)).astype(np.float32)
    y_val = rng.integers(0, 2, 25)
    clf = tiny_resnet(max_epochs=12, lr=3e-2, early_stopping=True, patience=2)
    res = cross_validate(
        clf,
        X,
        y,
        cv=2,
        n_jobs=2,
        return_estimator=True,
        params={"X_val": X_val, "y_val": y_val},
    )
    # best weights are kept in memory: no checkpoint file anywhere in the cwd
    assert os.listdir(tmp_path) == []
    histories = []
    for est in res["estimator"]:
        valid_loss = np.asarray(est.history_[:, "valid_loss"])
        histories.append(valid_loss)
        restored = log_loss(y_val, est.predict_proba(X_val), labels=est.classes_)
        assert restored == pytest.approx(valid_loss.min(), rel=1e-4)
    assert not np.array_equal(histories[0][:2], histories[1][:2])


def test_class_weight_sets_the_loss_weights():
    X, y = waveforms()
    keep = np.r_[np.flatnonzero(y == 0), np.flatnonzero(y != 0)[:10]]
    X, y = X[keep], y[keep]
    balanced = tiny_resnet(class_weight="balanced").fit(X, y)
    expected = compute_class_weight("balanced", classes=np.unique(y), y=y)
    np.testing.assert_allclose(balanced.criterion_.weight.numpy(), expected)
    np.testing.assert_allclose(balanced.class_weight_, expected, rtol=1e-6)
    plain = tiny_resnet().fit(X, y)
    assert plain.criterion_.weight is None
    assert balanced.history_[0, "train_loss"] != plain.history_[0, "train_loss"]
    as_dict = tiny_resnet(class_weight={0: 2.0}).fit(X, y)
    np.testing.assert_allclose(as_dict.criterion_.weight.numpy(), [2.0, 1.0, 1.0])


def test_augmentation_runs_on_training_batches_only():
    X, y = gathers(n=20)
    X_val, y_val = gathers(n=6, seed=1)
    X_before = X.copy()
    spy = SpyAugmenter()
    clf = tiny_miniception(augmentation=spy, batch_size=8, max_epochs=3)
    clf.fit(X, y, X_val=X_val, y_val=y_val)
    # 20 samples in batches of 8: 3 training batches per epoch, 3 epochs;
    # the 6 validation samples are never augmented
    assert len(spy.calls) == 9
    assert sorted(shape[0] for shape, _, _ in spy.calls[:3]) == [4, 8, 8]
    assert all(shape[1:] == (8, 8) for shape, _, _ in spy.calls)  # user layout
    assert all(dtype == np.float32 for _, dtype, _ in spy.calls)
    seen = np.concatenate([batch for _, _, batch in spy.calls[:3]])
    np.testing.assert_array_equal(
        np.sort(seen.ravel()), np.sort(X.ravel())
    )  # each epoch sees every training sample once
    np.testing.assert_array_equal(X, X_before)
    n_calls = len(spy.calls)
    proba = clf.predict_proba(X)
    clf.predict(X_val)
    assert len(spy.calls) == n_calls, "augmentation ran at predict time"
    without = tiny_miniception(batch_size=8, max_epochs=3).fit(X, y)
    assert not np.allclose(proba, without.predict_proba(X))


def test_bad_augmenter_output_is_reported():
    class Shrinks:
        def augment_batch(self, X, rng):
            return X[:1]

    X, y = gathers(n=16)
    with pytest.raises(ValueError, match="augment_batch must return"):
        tiny_miniception(augmentation=Shrinks()).fit(X, y)


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_pickle_and_joblib_round_trip(dump):
    X, y = waveforms()
    clf = tiny_resnet().fit(X, y)
    if dump == "pickle":
        loaded = pickle.loads(pickle.dumps(clf))
    else:
        buffer = io.BytesIO()
        joblib.dump(clf, buffer)
        buffer.seek(0)
        loaded = joblib.load(buffer)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.get_params() == clf.get_params()
    # the loaded model trains again like a fresh one
    refit = loaded.fit(X, y)
    np.testing.assert_array_equal(refit.predict_proba(X), clf.predict_proba(X))


def test_model_fitted_on_cuda_loads_on_cpu_only_machine():
    # No GPU here: stand in for a CUDA fit by recording "cuda" as the device
    # the model was fitted on. Loading goes through skorch's map_location,
    # which puts the tensors on the CPU when CUDA is missing.
    if torch.cuda.is_available():
        pytest.skip("needs a machine without CUDA to check the CPU fallback")
    X, y = waveforms()
    clf = tiny_resnet(device="auto").fit(X, y)
    expected = clf.predict_proba(X)
    clf.net_.device = "cuda"  # the fitted net holds the device
    payload = pickle.dumps(clf)
    with pytest.warns(DeviceWarning):
        loaded = pickle.loads(payload)
    assert loaded.device_ == "cpu"
    assert loaded.device == "auto"  # the parameter is untouched
    assert next(loaded.module_.parameters()).device.type == "cpu"
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)


@pytest.mark.parametrize("make", [tiny_resnet, tiny_miniception])
def test_nd_and_flat_with_sample_shape_agree(make):
    X, y = waveforms() if make is tiny_resnet else gathers()
    nd = make().fit(X, y)
    flat_X = X.reshape(len(X), -1)
    flat = make(sample_shape=X.shape[1:]).fit(flat_X, y)
    np.testing.assert_array_equal(nd.predict_proba(X), flat.predict_proba(flat_X))
    assert flat.sample_shape_ == X.shape[1:]
    assert flat.n_features_in_ == flat_X.shape[1]


def test_bad_input_gets_clear_errors():
    X, y = gathers(n=16, size=8)
    with pytest.raises(ValueError, match="sample_shape"):
        tiny_miniception(sample_shape=(8, 7)).fit(X.reshape(16, -1), y)
    with pytest.raises(ValueError, match="sample_shape"):
        tiny_miniception(sample_shape=(4, 16)).fit(X, y)
    with pytest.raises(ValueError, match=r"too small for n_blocks=4.*Reduce n_blocks"):
        tiny_miniception(n_blocks=4).fit(X, y)
    X_nan = X.copy()
    X_nan[3, 2, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        tiny_miniception().fit(X_nan, y)
    fitted = tiny_miniception().fit(X, y)
    with pytest.raises(ValueError, match="NaN"):
        fitted.predict(X_nan)
    with pytest.raises(ValueError, match="expecting 64 features"):
        fitted.predict(np.zeros((2, 9, 9), dtype=np.float32))
    with pytest.raises(ValueError, match="fitted on samples of shape"):
        fitted.predict(np.zeros((2, 4, 16), dtype=np.float32))
    with pytest.raises(ValueError, match="dimensions"):
        tiny_resnet().fit(np.zeros((4, 2, 3, 8), dtype=np.float32), [0, 1, 0, 1])
    with pytest.raises(TypeError, match="unexpected keyword"):
        MiniceptionClassifier(max_epoch=3)
    with pytest.raises(ValueError, match="max_epochs"):
        tiny_resnet(max_epochs=0).fit(*waveforms())
    with pytest.raises(ValueError, match="requires y"):
        tiny_resnet().fit(X, None)


def test_clone_params_and_grid_search_over_module_params():
    X, y = waveforms(n=36)
    clf = tiny_resnet(
        kernel_sizes=(3, 3, 3), net_params={"optimizer__weight_decay": 1e-3}
    )
    params = clf.get_params()
    assert params["kernel_sizes"] == (3, 3, 3)
    assert params["net_params"] == {"optimizer__weight_decay": 1e-3}
    assert params["max_epochs"] == 2 and params["lr"] == 1e-3
    cloned = clone(clf)
    assert cloned.get_params()["net_params"] == {"optimizer__weight_decay": 1e-3}
    assert "kernel_sizes=(3, 3, 3)" in repr(clf)
    search = GridSearchCV(
        clf,
        {
            "kernel_sizes": [(3, 3, 3), (5, 3, 1)],
            "net_params": [None, {"optimizer__weight_decay": 1e-2}],
        },
        cv=2,
    ).fit(X, y)
    best = search.best_estimator_
    first_conv = next(m for m in best.module_.modules() if hasattr(m, "kernel_size"))
    assert first_conv.kernel_size == (search.best_params_["kernel_sizes"][0],)
    weight_decay = (search.best_params_["net_params"] or {}).get(
        "optimizer__weight_decay", 0.0
    )
    assert best.optimizer_.param_groups[0]["weight_decay"] == weight_decay


def test_each_module_parameter_has_one_spelling():
    X, y = waveforms(n=12)
    # the module's arguments are estimator parameters: no module__ spelling
    with pytest.raises(TypeError, match="unexpected keyword"):
        tiny_resnet(module__kernel_sizes=(3, 3, 3))
    with pytest.raises(ValueError, match=r"module__alpha.*pass alpha=\.\.\."):
        tiny_miniception().set_params(module__alpha=2)
    with pytest.raises(
        ValueError, match=r"'module__kernel_sizes'.*kernel_sizes=\.\.\."
    ):
        tiny_resnet(net_params={"module__kernel_sizes": (3, 3, 3)}).fit(X, y)
    with pytest.raises(ValueError, match=r"'<component>__<name>'.*got 'lr'"):
        tiny_resnet(net_params={"lr": 0.1}).fit(X, y)
    with pytest.raises(ValueError, match="net_params"):
        tiny_resnet(net_params=[("optimizer__weight_decay", 0.1)]).fit(X, y)
    # the validated spelling reaches the module
    fitted = tiny_resnet(n_filters=(2, 2, 2)).fit(X, y)
    assert fitted.module_.out.in_features == 2
    with pytest.raises(ValueError, match="n_filters must be a non-empty tuple"):
        tiny_resnet(n_filters=(2, 0)).fit(X, y)
    # so do the other settings that an estimator parameter makes
    for key, param in [
        ("criterion__weight", "class_weight"),
        ("optimizer__lr", "lr"),
        ("iterator_train__batch_size", "batch_size"),
    ]:
        with pytest.raises(ValueError, match=rf"'{key}'.*pass {param}=\.\.\."):
            tiny_resnet(net_params={key: 1}).fit(X, y)


def test_fitted_estimator_owns_a_skorch_net():
    from skorch import NeuralNetClassifier

    X, y = waveforms(n=24)
    X_val, y_val = waveforms(n=9, seed=1)
    clf = tiny_resnet(net_params={"optimizer__weight_decay": 1e-2}, early_stopping=True)
    assert not hasattr(clf, "net_") and not hasattr(clf, "module_")
    with pytest.raises(AttributeError, match="before fit"):
        clf.history_
    clf.fit(X, y, X_val=X_val, y_val=y_val)
    net = clf.net_
    assert isinstance(net, NeuralNetClassifier)
    # the estimator's fitted attributes are the net's, not copies
    assert clf.module_ is net.module_ and clf.history_ is net.history_
    assert clf.optimizer_ is net.optimizer_ and clf.device_ == net.device == "cpu"
    assert clf.optimizer_.param_groups[0]["weight_decay"] == 1e-2
    assert net.max_epochs == 2 and net.batch_size == 8 and net.lr == clf.lr
    # no skorch component leaks into the estimator's parameters
    assert not {"module", "criterion", "optimizer"} & set(clf.get_params())
    # skorch's partial_fit would skip the label encoding: there is none
    assert not hasattr(clf, "partial_fit")
    # the explicit validation set is recorded, not kept in the model
    assert sum(clf.history_[-1, "batches", :, "valid_batch_size"]) == 9
    assert net.train_split is None


def test_real_augmenter_and_its_nested_params():
    from sklearn_seismo.augmentation import PolarityFlip

    X, y = gathers(n=16)
    clf = tiny_miniception(augmentation=PolarityFlip(p=0.5))
    assert clf.get_params()["augmentation__p"] == 0.5
    clf.set_params(augmentation__p=1.0)
    assert clf.augmentation.p == 1.0
    flipped = clf.fit(X, y)
    # every training sample was flipped, so the model differs from a plain fit
    plain = tiny_miniception().fit(X, y)
    assert not np.allclose(flipped.predict_proba(X), plain.predict_proba(X))


def test_lr_decay_and_verbose_progress(capsys):
    X, y = waveforms(n=24)
    clf = tiny_resnet(lr=1e-2, lr_decay=0.5, max_epochs=3, verbose=1).fit(X, y)
    assert clf.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-2 * 0.5**3)
    out = capsys.readouterr().out
    assert "train_loss" in out and out.count("\n") >= 5  # header + one row/epoch
    tiny_resnet(max_epochs=1, verbose=2).fit(X, y)
    assert "it/s" in capsys.readouterr().err  # the per-batch progress bar
    tiny_resnet(max_epochs=1, verbose=0).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_pipeline_with_smote_and_routed_validation_set():
    pytest.importorskip("imblearn")
    from imblearn.over_sampling import SMOTE
    from imblearn.pipeline import Pipeline

    X, y = gathers(n=40)
    keep = np.r_[np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:8]]
    X, y = X[keep], y[keep]
    flat = X.reshape(len(X), -1)
    X_val, y_val = gathers(n=10, seed=2)
    pipe = Pipeline(
        [
            ("smote", SMOTE(k_neighbors=3, random_state=0)),
            ("clf", tiny_miniception(sample_shape=(8, 8), early_stopping=True)),
        ]
    )
    pipe.fit(flat, y, clf__X_val=X_val.reshape(10, -1), clf__y_val=y_val)
    clf = pipe.named_steps["clf"]
    # SMOTE balanced the 20 + 8 samples to 20 + 20; all of them trained
    assert sum(clf.history_[0, "batches", :, "train_batch_size"]) == 40
    assert sum(clf.history_[0, "batches", :, "valid_batch_size"]) == 10
    assert pipe.predict(flat).shape == (len(flat),)


def test_learns_shot_gather_quality_beyond_majority_baseline():
    from sklearn_seismo.datasets import make_shot_gathers

    X, y = make_shot_gathers(n_samples=600, shape=(32, 32), random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    clf = MiniceptionClassifier(
        alpha=2,
        n_blocks=3,
        lr=3e-3,
        max_epochs=5,
        class_weight="balanced",
        device="cpu",
        random_state=0,
    ).fit(X_train, y_train)
    score = balanced_accuracy_score(y_test, clf.predict(X_test))
    # the majority-class baseline scores 1/3 on balanced accuracy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert score > 1 / 3 + 0.2, score


def test_cuda_requested_without_cuda_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here: the error cannot occur")
    X, y = waveforms(n=12)
    with pytest.raises(ValueError, match="CUDA is not available"):
        tiny_resnet(device="cuda").fit(X, y)


def test_miniception_accepts_a_channel_axis_and_predicts_without_touching_params():
    X, y = gathers(n=16)
    plain = tiny_miniception(device="auto").fit(X, y)
    channel = tiny_miniception(device="auto").fit(X[:, None], y)
    np.testing.assert_array_equal(
        plain.predict_proba(X), channel.predict_proba(X[:, None])
    )
    assert channel.module_.blocks[0].conv3.in_channels == 1
    # "auto" stays the parameter; the resolved device is the fitted device_
    assert plain.device == "auto" and plain.device_ in {"cpu", "cuda"}


class EpochSpy(Callback):
    """A user callback: records the epochs it sees and the train loss."""

    def initialize(self):
        self.epochs = []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.epochs.append((len(net.history), net.history[-1, "train_loss"]))


def test_user_callbacks_run_with_the_package_callbacks(tmp_path):
    X, y = gathers(n=16, size=9)
    spy = EpochSpy()
    checkpoint = Checkpoint(dirname=str(tmp_path), monitor="train_loss_best")
    clf = tiny_miniception(callbacks=[spy, ("ckpt", checkpoint)])
    assert isinstance(clone(clf).callbacks[0], EpochSpy)  # a parameter
    clf.fit(X, y)
    # called once per epoch, after the package's train_loss recording
    assert [e for e, _ in spy.epochs] == [1, 2]
    assert all(np.isfinite(loss) for _, loss in spy.epochs)
    names = [name for name, _ in clf.callbacks_]
    assert {"train_loss", "lr_scheduler", "EpochSpy", "ckpt"} <= set(names)
    assert names[-1] == "print_log" and names.index("EpochSpy") > names.index(
        "train_loss"
    )
    assert (tmp_path / "params.pt").is_file()  # skorch's Checkpoint wrote it
    clf.fit(X, y)  # a refit starts the callback afresh
    assert [e for e, _ in spy.epochs] == [1, 2]
    with pytest.raises(ValueError, match="callbacks"):
        tiny_miniception(callbacks=spy).fit(X, y)
