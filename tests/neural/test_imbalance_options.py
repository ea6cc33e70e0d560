"""Class-balanced mini-batches, the focal loss and skorch settings by name
(issue 22 item 2, issue 24 item 6)."""

import numpy as np
import pytest
import torch
from imblearn.pipeline import make_pipeline
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import FunctionTransformer
from skorch.callbacks import Callback

from sklearn_seismo.neural import MiniceptionClassifier, ResNetClassifier
from sklearn_seismo.neural._modules import FocalLoss


def tiny_resnet(**params):
    defaults = dict(
        n_filters=(2, 4),
        kernel_sizes=(3,),
        max_epochs=1,
        batch_size=16,
        device="cpu",
        random_state=0,
    )
    return ResNetClassifier(**{**defaults, **params})


def imbalanced_waveforms(counts=(150, 40, 10), n_times=16, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    X = rng.normal(size=(len(y), 2, n_times)) + y[:, None, None]
    return X.astype(np.float32), y


class BatchLabels(Callback):
    """Records the labels of every training batch."""

    def initialize(self):
        self.labels = []
        return self

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if training:
            self.labels.append(np.asarray(batch[1]))


def drawn_counts(clf, X, y, n_classes):
    spy = BatchLabels()
    clf.set_params(callbacks=[spy]).fit(X, y)
    drawn = np.concatenate(spy.labels)
    return np.bincount(drawn, minlength=n_classes)


def test_balanced_batches_draw_every_class_evenly_over_an_epoch():
    X, y = imbalanced_waveforms()
    n = len(y)
    counts = drawn_counts(tiny_resnet(balanced_batches=True), X, y, 3)
    # an epoch is as long as the training set
    assert counts.sum() == n
    # each draw is a class with probability 1/3: the count is Binomial(200,
    # 1/3), sd 6.7; 35 is 5.2 sd (a chance below 1e-6 per class, and the
    # sampler is seeded, so the test is deterministic anyway). Without the
    # sampler the rare class would be drawn exactly 10 times.
    np.testing.assert_array_less(np.abs(counts - n / 3), 35)
    assert counts[2] > 30
    # the plain iterator shuffles: every sample exactly once
    np.testing.assert_array_equal(drawn_counts(tiny_resnet(), X, y, 3), [150, 40, 10])


def test_balanced_batches_sample_the_training_part_only():
    X, y = imbalanced_waveforms()
    # early stopping's stratified split keeps 10 % (20 samples) for validation
    clf = tiny_resnet(balanced_batches=True, early_stopping=True)
    counts = drawn_counts(clf, X, y, 3)
    assert counts.sum() == 180
    np.testing.assert_array_less(np.abs(counts - 60), 33)


def test_balanced_batches_refuse_a_second_sampler_or_shuffle():
    X, y = imbalanced_waveforms()
    sampler = torch.utils.data.SequentialSampler(range(len(y)))
    for key, value in [
        ("iterator_train__sampler", sampler),
        ("iterator_train__shuffle", True),
    ]:
        with pytest.raises(ValueError, match=rf"balanced_batches=True.*'{key}'"):
            tiny_resnet(balanced_batches=True, net_params={key: value}).fit(X, y)
    # shuffle=False says nothing against the sampler
    tiny_resnet(
        balanced_batches=True, net_params={"iterator_train__shuffle": False}
    ).fit(X, y)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_focal_loss_is_cross_entropy_at_gamma_zero(dtype, weighted, reduction):
    torch.manual_seed(0)
    logits = 3 * torch.randn(64, 3, dtype=dtype)
    target = torch.randint(0, 3, (64,))
    weight = torch.tensor([0.2, 1.0, 5.0], dtype=dtype) if weighted else None
    focal = FocalLoss(weight=weight, gamma=0.0, reduction=reduction)(logits, target)
    ce = torch.nn.CrossEntropyLoss(weight=weight, reduction=reduction)(logits, target)
    # to 1e-6 absolute; a float32 sum of 64 losses (~160) carries float32's
    # relative rounding instead
    rtol = 1e-6 if (dtype == torch.float32 and reduction == "sum") else 0.0
    torch.testing.assert_close(focal, ce, rtol=rtol, atol=1e-6)


def test_focal_loss_down_weights_easy_examples():
    # sample 0 is easy (p_true = 0.99), sample 1 hard (p_true = 0.3)
    logits = torch.log(torch.tensor([[0.99, 0.01], [0.3, 0.7]]))
    target = torch.tensor([0, 0])
    ce = torch.nn.CrossEntropyLoss(reduction="none")(logits, target)
    focal = FocalLoss(gamma=2.0, reduction="none")(logits, target)
    # the factor is (1 - p_true) ** gamma, exactly
    torch.testing.assert_close(focal, ce * torch.tensor([0.01, 0.7]) ** 2)
    # the easy sample's share of the loss falls from 0.8 % to below 0.001 %
    assert ce[0] / ce.sum() > 8e-3
    assert focal[0] / focal.sum() < 1e-5
    # gradients stay finite where p_true rounds to 1
    saturated = torch.tensor([[60.0, -60.0]], requires_grad=True)
    FocalLoss(gamma=0.5)(saturated, torch.tensor([0])).backward()
    assert torch.isfinite(saturated.grad).all()


def test_focal_loss_in_the_classifier_keeps_weights_and_probabilities():
    X, y = imbalanced_waveforms(counts=(30, 10))
    clf = tiny_resnet(loss="focal", focal_gamma=1.5, class_weight="balanced")
    clf.fit(X, y)
    assert isinstance(clf.criterion_, FocalLoss)
    assert clf.criterion_.gamma == 1.5
    torch.testing.assert_close(
        clf.criterion_.weight, torch.as_tensor(clf.class_weight_)
    )
    proba = clf.predict_proba(X)
    # softmax probabilities, not raw logits
    assert proba.min() >= 0 and np.allclose(proba.sum(axis=1), 1.0)
    # gamma 0 trains like cross-entropy: equal losses up to float rounding
    focal0 = tiny_resnet(loss="focal", focal_gamma=0.0).fit(X, y)
    ce = tiny_resnet().fit(X, y)
    np.testing.assert_allclose(
        focal0.history_[:, "train_loss"], ce.history_[:, "train_loss"], rtol=1e-5
    )
    with pytest.raises(ValueError, match="'criterion__gamma'.*focal_gamma="):
        tiny_resnet(loss="focal", net_params={"criterion__gamma": 1.0}).fit(X, y)
    with pytest.raises(ValueError, match="FocalLoss.*'label_smoothing'"):
        tiny_resnet(loss="focal", net_params={"criterion__label_smoothing": 0.1}).fit(
            X, y
        )
    with pytest.raises(ValueError, match="focal_gamma"):
        tiny_resnet(loss="focal", focal_gamma=float("inf")).fit(X, y)


@pytest.mark.parametrize("make", [tiny_resnet, None])
def test_same_seed_same_weights_with_balanced_batches_and_focal_loss(make):
    if make is None:
        X = np.random.default_rng(0).normal(size=(40, 8, 8)).astype(np.float32)
        y = (np.arange(40) % 5 == 0).astype(int)

        def make(**p):
            return MiniceptionClassifier(
                alpha=1, n_blocks=1, max_epochs=2, batch_size=8, device="cpu", **p
            )
    else:
        X, y = imbalanced_waveforms(counts=(30, 10))
    params = dict(balanced_batches=True, loss="focal")
    a = make(random_state=1, **params).fit(X, y)
    b = make(random_state=1, **params).fit(X, y)
    c = make(random_state=2, **params).fit(X, y)
    for (name, pa), pb, pc in zip(
        a.module_.state_dict().items(),
        b.module_.state_dict().values(),
        c.module_.state_dict().values(),
    ):
        assert torch.equal(pa, pb), name
    assert not all(
        torch.equal(pa, pc)
        for pa, pc in zip(a.module_.parameters(), c.module_.parameters())
    )


def test_grid_search_over_the_imbalance_options():
    X, y = imbalanced_waveforms(counts=(24, 8))
    search = GridSearchCV(
        tiny_resnet(),
        {"balanced_batches": [False, True], "loss": ["cross_entropy", "focal"]},
        cv=2,
        scoring="balanced_accuracy",
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    best = search.best_estimator_
    assert best.balanced_batches == search.best_params_["balanced_batches"]
    expected = (
        FocalLoss
        if search.best_params_["loss"] == "focal"
        else (torch.nn.CrossEntropyLoss)
    )
    assert type(best.criterion_) is expected


def test_skorch_settings_by_name_in_a_grid_search_one_spelling_each():
    X, y = imbalanced_waveforms(counts=(24, 8))
    pipe = make_pipeline(FunctionTransformer(), tiny_resnet())
    search = GridSearchCV(
        pipe,
        {
            "resnetclassifier__optimizer__weight_decay": [0.0, 0.5],
            "resnetclassifier__criterion__label_smoothing": [0.0, 0.2],
        },
        cv=2,
    ).fit(X, y)
    best = search.best_estimator_[-1]
    wd = search.best_params_["resnetclassifier__optimizer__weight_decay"]
    ls = search.best_params_["resnetclassifier__criterion__label_smoothing"]
    assert best.net_params == {
        "optimizer__weight_decay": wd,
        "criterion__label_smoothing": ls,
    }
    assert best.optimizer_.param_groups[0]["weight_decay"] == wd
    assert best.criterion_.label_smoothing == ls
    # the template is untouched: set_params stores a new dict on the clone
    assert pipe[-1].net_params is None

    clf = tiny_resnet(net_params={"optimizer__eps": 1e-6})
    given = clf.net_params
    clf.set_params(optimizer__weight_decay=0.1)
    assert clf.net_params == {"optimizer__eps": 1e-6, "optimizer__weight_decay": 0.1}
    assert given == {"optimizer__eps": 1e-6}  # the caller's dict is not mutated
    assert clf.get_params()["net_params"] == clf.net_params
    with pytest.raises(ValueError, match=r"given twice.*give it once"):
        clf.set_params(
            net_params={"optimizer__weight_decay": 0.2}, optimizer__weight_decay=0.3
        )
    with pytest.raises(ValueError, match=r"optimizer__weight_decay=\.\.\."):
        clf.set_params(net_params__optimizer__weight_decay=0.3)
    for key, param in [("optimizer__lr", "lr"), ("criterion__weight", "class_weight")]:
        with pytest.raises(ValueError, match=rf"{key}.*pass {param}=\.\.\."):
            clf.set_params(**{key: 1})
    with pytest.raises(ValueError, match="Invalid parameter 'unknown'"):
        clf.set_params(unknown__x=1)
