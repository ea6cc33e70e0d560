import subprocess
import sys

from sklearn_seismo.utils.environment import run_environment


def test_run_environment_records_versions_cpu_and_threads(monkeypatch):
    monkeypatch.setenv("SEISMO_TORCH_THREADS", "1")
    env = run_environment(3)
    assert env["torch_threads_per_fit"] == 3
    assert env["versions"]["numpy"] and env["versions"]["python"]
    assert env["cores"] >= 1 and env["cpu"]
    assert isinstance(env["torch_threads"], int) and env["torch_threads"] >= 1
    assert env["thread_variables"]["SEISMO_TORCH_THREADS"] == "1"
    assert isinstance(env["blas_threads"], dict)


def test_environment_module_does_not_import_torch():
    code = (
        "import sys; from sklearn_seismo.utils.environment import run_environment; "
        "env = run_environment(import_torch=False); "
        "assert env['torch_threads'] is None, env; "
        "assert 'torch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
