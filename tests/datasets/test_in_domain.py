"""The in-domain waveform test: held-out time of the training records."""

import numpy as np
import pytest

from sklearn_seismo.datasets import BENCHMARKS, make_waveform_quality
from sklearn_seismo.datasets._examples import available_example_records

pytestmark = pytest.mark.skipif(
    not {"mvo", "uh3"} <= set(available_example_records()),
    reason="needs ObsPy's test records mvo and uh3",
)


def _spans(meta):
    out = {}
    for station, t0, t1 in zip(meta.stations, meta.starttimes, meta.endtimes):
        lo, hi = out.get(station, (t0, t1))
        out[station] = (min(lo, t0), max(hi, t1))
    return out


def test_in_domain_test_windows_never_overlap_training_windows_in_time():
    from sklearn_seismo.datasets._benchmarks import _clean_bank

    kw = dict(records=("mvo", "uh3"), return_metadata=True)
    X_tr, y_tr, m_tr = make_waveform_quality(
        600, time_split="train", random_state=0, **kw
    )
    X_te, y_te, m_te = make_waveform_quality(
        300, time_split="test", random_state=1, **kw
    )
    train, test = _spans(m_tr), _spans(m_te)
    # the same stations (in domain) ...
    assert set(test) <= set(train) and len(test) >= 2
    # ... but every test window starts after every training window has ended,
    # with a gap: no stretch of record is shared
    for station, (t0, _) in test.items():
        assert t0 - train[station][1] > 0.0, station
    # the same holds for every clean window either side could ever crop
    n_long = int(round(1.5 * 200))
    seconds = n_long / 50.0
    _, st_tr, t_tr = _clean_bank(50.0, n_long, ("mvo", "uh3"), "train")
    _, st_te, t_te = _clean_bank(50.0, n_long, ("mvo", "uh3"), "test")
    for station in set(st_te):
        last_train_end = max(t + seconds for s, t in zip(st_tr, t_tr) if s == station)
        first_test = min(t for s, t in zip(st_te, t_te) if s == station)
        assert first_test - last_train_end >= seconds - 1e-6  # the guard gap
    # the windows themselves are real crops of those stretches
    assert all(
        abs((t1 - t0) - 200 / 50.0) < 1e-6
        for t0, t1 in zip(m_te.starttimes, m_te.endtimes)
    )
    assert set(np.unique(y_te)) == {"good", "medium", "bad"}
    assert X_tr.shape[1:] == X_te.shape[1:] == (3, 200)


def test_in_domain_benchmark_is_registered_with_a_time_split_holdout():
    bench = BENCHMARKS["waveform_quality_in_domain"]
    assert bench.layout == "waveforms" and bench.classifier == "resnet"
    train_loader, test_loader = bench.holdout
    X_tr, y_tr = train_loader(200, 0)
    X_te, y_te = test_loader(100, 1)
    assert X_tr.shape == (200, 3, 200) and X_te.shape == (100, 3, 200)
    rows_tr = {r.tobytes() for r in X_tr}
    assert not any(r.tobytes() in rows_tr for r in X_te)
    # the cross-record test is unchanged: other records entirely
    assert "waveform_quality" in BENCHMARKS
    with pytest.raises(ValueError, match="time_split"):
        make_waveform_quality(10, time_split="later")
