import pytest


@pytest.fixture(autouse=True)
def _one_torch_thread(monkeypatch):
    # The study applies the thread rule of sklearn_seismo.utils.torch_threads
    # (cores // workers); tests share the machine, so they pin it to 1.
    monkeypatch.setenv("SEISMO_TORCH_THREADS", "1")
