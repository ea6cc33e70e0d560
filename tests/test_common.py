"""scikit-learn's and imbalanced-learn's estimator checks on every public estimator.

Estimators are discovered by walking the package, so a new estimator is checked
as soon as its subpackage exports it. Tiny settings and the expected failures
(each with its reason) live in ``tests/common/<subpackage>.py``.
"""

import pytest
from imblearn.utils.estimator_checks import (
    parametrize_with_checks as imblearn_parametrize_with_checks,
)
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_seismo.utils.discovery import all_estimators
from tests.common import CHECK_PARAMS, EXPECTED_FAILED_CHECKS


def _instances(type_filter=None):
    return [
        cls(**CHECK_PARAMS.get(name, {}))
        for name, cls in all_estimators(type_filter=type_filter)
    ]


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


def _as_list(mark):
    """``mark``, a ``pytest.mark.parametrize``, with its parameters in a list.

    imbalanced-learn's ``parametrize_with_checks`` (0.14) hands pytest a
    generator, which pytest 9.1 deprecates (a PytestRemovedIn10Warning at
    collection); pytest 10 will refuse it, and this whole module with it.
    """
    argnames, argvalues = mark.args
    return pytest.mark.parametrize(argnames, list(argvalues), **mark.kwargs)


def test_all_estimators_is_not_empty_and_configs_name_real_estimators():
    names = {name for name, _ in all_estimators()}
    assert names, "no public estimator found: all_estimators() is broken"
    configured = set(CHECK_PARAMS) | set(EXPECTED_FAILED_CHECKS)
    assert configured <= names, f"tests/common configures unknown {configured - names}"


@parametrize_with_checks(_instances(), expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


_samplers = _instances("sampler")


@pytest.mark.skipif(
    not _samplers, reason="no public sampler is exported by the package yet"
)
@_as_list(
    imblearn_parametrize_with_checks(
        _samplers, expected_failed_checks=_expected_failed_checks
    )
)
def test_imblearn_compatible_sampler(estimator, check):
    check(estimator)
