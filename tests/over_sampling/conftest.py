"""Fixtures of the over_sampling tests."""

import pytest

from ._standin import StandInFlow, use_standin


@pytest.fixture
def standin(monkeypatch):
    """GlowOversampler builds the stand-in flow (``pytestmark =
    pytest.mark.usefixtures("standin")`` in a GlowOversampler test module)."""
    yield use_standin(monkeypatch)
    StandInFlow.instances.clear()
