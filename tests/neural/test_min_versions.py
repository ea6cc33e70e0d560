"""The minimum versions: pyproject's floors, the pins of .ci/min-versions.txt
and the recorded run of .ci/min-versions agree."""

import re
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("scikit-learn", "imbalanced-learn", "skorch")


def _release(text):
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def _floors():
    text = (ROOT / "pyproject.toml").read_text()
    return {
        name: _release(re.search(rf'"{name}>=([\d.]+)', text).group(1))
        for name in PACKAGES
    }


def _pins():
    pins = {}
    for line in (ROOT / ".ci" / "min-versions.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, pinned = line.partition("==")
            pins[name.strip()] = pinned.strip()
    return pins


def test_floors_pins_and_recorded_run_agree():
    floors, pins = _floors(), _pins()
    assert set(pins) == set(PACKAGES)
    for name in PACKAGES:
        # the pin is the floor ("1.6" in pyproject, "1.6.0" pinned)
        assert _release(pins[name])[: len(floors[name])] == floors[name], name
    # the recorded run used exactly these pins
    record = (ROOT / "benchmarks" / "results" / "min_versions.md").read_text()
    for name, pinned in pins.items():
        assert f"{name}=={pinned}" in record, name


def test_installed_versions_meet_the_floors():
    # in the environment of .ci/min-versions these are the floors themselves
    for name, floor in _floors().items():
        assert _release(version(name)) >= floor, (name, version(name))
