"""TunedRareThresholdClassifierCV: agreement with scikit-learn, the multiclass
rule, the rare class, fit parameters, pickling."""

import pickle

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, make_scorer
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    TunedThresholdClassifierCV,
)

from sklearn_seismo.model_selection import TunedRareThresholdClassifierCV


def imbalanced(n=400, n_classes=2, weights=(0.85, 0.15), seed=0):
    return make_classification(
        n_samples=n,
        n_classes=n_classes,
        n_informative=4,
        weights=list(weights),
        class_sep=0.7,
        random_state=seed,
    )


@pytest.mark.parametrize(
    "cv, thresholds",
    [
        (None, 100),  # scikit-learn's defaults: 5 stratified folds, 100 thresholds
        (0.3, 40),
        (StratifiedKFold(3, shuffle=True, random_state=1), np.linspace(0.05, 0.95, 19)),
    ],
)
@pytest.mark.parametrize("labels", [(0, 1), ("bad", "good")])
def test_binary_agrees_with_scikit_learn(cv, thresholds, labels):
    X, y01 = imbalanced()
    # the rare class is label 1 (15 %); with ("bad", "good") it is "good",
    # the second column, and with swapped names it would be the first.
    y = np.asarray(labels)[y01]
    rare = labels[1]
    ours = TunedRareThresholdClassifierCV(
        LogisticRegression(),
        cv=cv,
        thresholds=thresholds,
        random_state=0,
        store_cv_results=True,
    ).fit(X, y)
    theirs = TunedThresholdClassifierCV(
        LogisticRegression(),
        scoring=make_scorer(f1_score, pos_label=rare),
        response_method="predict_proba",
        cv=cv,
        thresholds=thresholds,
        random_state=0,
        store_cv_results=True,
    ).fit(X, y)
    assert ours.rare_class_ == rare
    assert ours.best_threshold_ == theirs.best_threshold_
    assert ours.best_score_ == pytest.approx(theirs.best_score_, abs=1e-12)
    np.testing.assert_allclose(
        ours.cv_results_["scores"], theirs.cv_results_["scores"], atol=1e-12
    )
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    np.testing.assert_array_equal(ours.predict_proba(X), theirs.predict_proba(X))
    # the tuned threshold is not the argmax rule here: the test compares
    # something that differs from the wrapped classifier's predict
    assert not np.array_equal(ours.predict(X), ours.estimator_.predict(X))


def test_binary_agrees_when_the_rare_class_is_the_first_column():
    X, y01 = imbalanced(weights=(0.15, 0.85))
    y = np.array(["bad", "good"])[y01]  # "bad" is rare and sorts first
    ours = TunedRareThresholdClassifierCV(
        LogisticRegression(), cv=4, thresholds=30
    ).fit(X, y)
    theirs = TunedThresholdClassifierCV(
        LogisticRegression(),
        scoring=make_scorer(f1_score, pos_label="bad"),
        response_method="predict_proba",
        cv=4,
        thresholds=30,
    ).fit(X, y)
    assert ours.rare_class_ == "bad"
    assert ours.best_threshold_ == theirs.best_threshold_
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


def test_refit_false_on_one_split_agrees_and_fits_once():
    X, y = imbalanced()
    ours = TunedRareThresholdClassifierCV(
        LogisticRegression(), cv=0.25, refit=False, random_state=3
    ).fit(X, y)
    theirs = TunedThresholdClassifierCV(
        LogisticRegression(),
        scoring="f1",
        response_method="predict_proba",
        cv=0.25,
        refit=False,
        random_state=3,
    ).fit(X, y)
    assert ours.best_threshold_ == theirs.best_threshold_
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    with pytest.raises(ValueError, match="refit=False.*5 splits"):
        TunedRareThresholdClassifierCV(LogisticRegression(), refit=False).fit(X, y)


def test_multiclass_rule_rare_above_threshold_else_argmax_of_others():
    X, y = imbalanced(n=600, n_classes=3, weights=(0.6, 0.32, 0.08))
    clf = TunedRareThresholdClassifierCV(LogisticRegression(), cv=3).fit(X, y)
    assert clf.rare_class_ == np.argmin(np.bincount(y)) == 2
    proba = clf.predict_proba(X)
    pred = clf.predict(X)
    np.testing.assert_array_equal(clf.predict_from_proba(proba), pred)
    with pytest.raises(ValueError, match=r"shape \(n_samples, 3\)"):
        clf.predict_from_proba(proba[:, :2])
    above = proba[:, 2] >= clf.best_threshold_
    assert np.all(pred[above] == 2)
    np.testing.assert_array_equal(pred[~above], np.argmax(proba[~above, :2], axis=1))
    # the tuned rule raises the rare class's F1 on its own validation folds
    # above the argmax rule: its best score beats argmax's mean fold score
    argmax_f1 = []
    for train, val in StratifiedKFold(3).split(X, y):
        est = LogisticRegression().fit(X[train], y[train])
        argmax_f1.append(
            f1_score(y[val], est.predict(X[val]), labels=[2], average="macro")
        )
    assert clf.best_score_ > np.mean(argmax_f1)


def test_rare_class_given_scoring_string_and_callable():
    X, y = imbalanced(n=600, n_classes=3, weights=(0.6, 0.32, 0.08))
    clf = TunedRareThresholdClassifierCV(
        LogisticRegression(), rare_class=1, scoring="recall", cv=3
    ).fit(X, y)
    assert clf.rare_class_ == 1
    # recall of class 1 is maximal at the lowest threshold: everything is 1
    assert (
        clf.best_threshold_ == pytest.approx(clf.cv_results_["thresholds"][0])
        if hasattr(clf, "cv_results_")
        else True
    )
    assert clf.best_score_ == pytest.approx(1.0)
    macro = TunedRareThresholdClassifierCV(
        LogisticRegression(), scoring="f1_macro", cv=3, store_cv_results=True
    ).fit(X, y)
    scorer = make_scorer(f1_score, average="macro")
    by_callable = TunedRareThresholdClassifierCV(
        LogisticRegression(), scoring=scorer, cv=3, store_cv_results=True
    ).fit(X, y)
    np.testing.assert_array_equal(
        macro.cv_results_["scores"], by_callable.cv_results_["scores"]
    )
    assert macro.best_threshold_ == by_callable.best_threshold_
    with pytest.raises(ValueError, match=r"rare class 7 is not among the classes"):
        TunedRareThresholdClassifierCV(LogisticRegression(), rare_class=7).fit(X, y)


def test_string_labels_and_pickle_round_trip():
    X, y = imbalanced(n=300, n_classes=3, weights=(0.5, 0.4, 0.1))
    y = np.array(["good", "medium", "bad"])[y]
    clf = TunedRareThresholdClassifierCV(LogisticRegression(), cv=3).fit(X, y)
    assert clf.rare_class_ == "bad"
    assert set(clf.predict(X)) <= {"good", "medium", "bad"}
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    assert loaded.best_threshold_ == clf.best_threshold_


_FIT_LOG = []


class _RecordingClassifier(ClassifierMixin, BaseEstimator):
    """LogisticRegression that records the fit parameters it receives (in a
    module list: clone copies parameters)."""

    def fit(self, X, y, sample_weight=None, X_val=None, y_val=None):
        _FIT_LOG.append(
            {
                "n": len(X),
                "sample_weight": None if sample_weight is None else len(sample_weight),
                "X_val": None if X_val is None else len(X_val),
            }
        )
        self.lr_ = LogisticRegression().fit(X, y, sample_weight=sample_weight)
        self.classes_ = self.lr_.classes_
        return self

    def predict_proba(self, X):
        return self.lr_.predict_proba(X)


def test_fit_params_sample_aligned_ones_are_split_validation_sets_are_not():
    X, y = imbalanced(n=120)
    _FIT_LOG.clear()
    log = _FIT_LOG
    # an X_val with exactly as many rows as X must still reach every fit whole
    X_val, y_val = X.copy(), y.copy()
    TunedRareThresholdClassifierCV(_RecordingClassifier(), cv=3).fit(
        X, y, sample_weight=np.ones(len(y)), X_val=X_val, y_val=y_val
    )
    assert len(log) == 4  # 3 folds + the refit
    for entry in log[:3]:
        assert entry["n"] == entry["sample_weight"] == 80
        assert entry["X_val"] == 120
    assert log[3] == {"n": 120, "sample_weight": 120, "X_val": 120}


def test_prefit_and_grid_search():
    X, y = imbalanced()
    fitted = LogisticRegression().fit(X[:200], y[:200])
    clf = TunedRareThresholdClassifierCV(fitted, cv="prefit", refit=False).fit(
        X[200:], y[200:]
    )
    assert clf.estimator_ is fitted
    with pytest.raises(ValueError, match="refit=False"):
        TunedRareThresholdClassifierCV(fitted, cv="prefit").fit(X, y)
    search = GridSearchCV(
        TunedRareThresholdClassifierCV(LogisticRegression(), cv=3, thresholds=20),
        {"estimator__C": [0.01, 1.0]},
        cv=2,
        scoring="f1",
    ).fit(X, y)
    assert search.best_params_["estimator__C"] in (0.01, 1.0)
    assert clone(search.best_estimator_).get_params()["estimator__C"] in (0.01, 1.0)


def test_constant_probabilities_are_a_clear_error():
    class Constant(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            self.classes_ = np.unique(y)
            return self

        def predict_proba(self, X):
            return np.full((len(X), len(self.classes_)), 1 / len(self.classes_))

    X, y = imbalanced(n=60)
    with pytest.raises(ValueError, match="same probability on every validation"):
        TunedRareThresholdClassifierCV(Constant(), cv=3).fit(X, y)


def test_wraps_the_package_networks_on_nd_waveforms_with_a_validation_set():
    from imblearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from sklearn_seismo.neural import ResNetClassifier

    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [30, 12, 6])
    X = (rng.normal(size=(len(y), 2, 16)) + y[:, None, None]).astype(np.float32)
    X_val, y_val = X[::3].copy(), y[::3].copy()
    net = ResNetClassifier(
        n_filters=(2, 4),
        kernel_sizes=(3,),
        max_epochs=2,
        batch_size=8,
        early_stopping=True,
        patience=1,
        device="cpu",
        random_state=0,
    )
    clf = TunedRareThresholdClassifierCV(net, cv=0.25, refit=False, random_state=0)
    pipe = make_pipeline(FunctionTransformer(), clf)
    pipe.fit(
        X,
        y,
        tunedrarethresholdclassifiercv__X_val=X_val,
        tunedrarethresholdclassifiercv__y_val=y_val,
    )
    fitted = pipe[-1]
    assert fitted.rare_class_ == 2
    # refit=False: the network of the one split, trained on 75 % of X, with
    # the explicit validation set (not an internal split) for early stopping
    assert fitted.estimator_.n_features_in_ == 32
    assert "valid_loss" in fitted.estimator_.history_[-1]
    assert set(pipe.predict(X)) <= {0, 1, 2}
    assert fitted.__sklearn_tags__().input_tags.three_d_array
    loaded = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(loaded.predict(X), pipe.predict(X))


def test_binary_agrees_with_scikit_learn_on_its_own_default_scoring():
    # scikit-learn's default objective; a scorer that is not a rare-class
    # metric is used as given by both
    X, y = imbalanced(seed=2)
    params = dict(scoring="balanced_accuracy", cv=3, thresholds=40)
    ours = TunedRareThresholdClassifierCV(LogisticRegression(), **params).fit(X, y)
    theirs = TunedThresholdClassifierCV(
        LogisticRegression(), response_method="predict_proba", **params
    ).fit(X, y)
    assert ours.best_threshold_ == theirs.best_threshold_
    assert ours.best_score_ == pytest.approx(theirs.best_score_, abs=1e-12)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize(
    "X, match",
    [(np.empty((0, 3, 8)), r"0 sample\(s\)"), (np.empty((4, 3, 0)), r"0 feature\(s\)")],
)
def test_empty_input_gets_scikit_learns_message_before_the_y_checks(X, match):
    y = np.zeros(len(X), dtype=int)
    with pytest.raises(ValueError, match=match):
        TunedRareThresholdClassifierCV(LogisticRegression()).fit(X, y)
