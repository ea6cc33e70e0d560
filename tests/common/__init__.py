"""Settings for the common estimator checks, one module per subpackage.

Each module ``tests/common/<subpackage>.py`` may define

* ``CHECK_PARAMS``: ``{class name: {param: value}}``, tiny settings (2 epochs,
  small models) that keep the checks fast;
* ``EXPECTED_FAILED_CHECKS``: ``{class name: {check name: reason}}``. A check is
  listed here only with the reason it cannot pass written next to it.

``tests/test_common.py`` merges them; adding an estimator never needs an edit
there.
"""

import pkgutil
from importlib import import_module


def _merged(attribute):
    merged = {}
    for info in pkgutil.iter_modules(__path__):
        module = import_module(f"{__name__}.{info.name}")
        for cls_name, value in getattr(module, attribute, {}).items():
            if cls_name in merged:
                raise RuntimeError(f"{cls_name} is configured twice in tests/common/")
            merged[cls_name] = value
    return merged


CHECK_PARAMS = _merged("CHECK_PARAMS")
EXPECTED_FAILED_CHECKS = _merged("EXPECTED_FAILED_CHECKS")
