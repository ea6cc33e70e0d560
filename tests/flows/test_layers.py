"""Property tests for every invertible layer of sklearn_seismo.flows.

Every layer has ``forward(x) -> (value, logdet)`` and
``inverse(value) -> (x, logdet)``; a value is a tensor or, for
:class:`Split` and the levels, a pair ``(h, z)`` (``z`` may be ``None``).
"""

import ast
import copy
import math
import pathlib

import pytest
import torch

import sklearn_seismo.flows as flows
from sklearn_seismo.flows import (
    ActNorm,
    AffineCoupling,
    FlowStep,
    InvConv,
    Split,
    Squeeze,
    coupling_network,
)
from sklearn_seismo.flows._glow import _InvertibleChain, _Level, _TopPrior
from sklearn_seismo.flows._layers import squeeze, unsqueeze


def _flat(value):
    """A layer's value as one ``(batch, n)`` tensor: a tensor, or the
    concatenation of a pair's parts (``None`` parts skipped)."""
    parts = value if isinstance(value, tuple) else (value,)
    return torch.cat([p.flatten(1) for p in parts if p is not None], dim=1)


def _user_net(in_channels, out_channels, conv):
    """A user's coupling network: nothing in common with the default ones."""
    return torch.nn.Sequential(
        conv(in_channels, 6, 3, padding=1),
        torch.nn.Tanh(),
        conv(6, out_channels, 1),
    )


# (factory, per-sample input shape); C=3 on purpose: odd channel counts are
# the edge case of channel splits.
LAYERS = {
    "actnorm-1d": (lambda: ActNorm(3, n_dim=1), (3, 8)),
    "actnorm-2d": (lambda: ActNorm(3, n_dim=2), (3, 4, 4)),
    "invconv-1d": (lambda: InvConv(3, n_dim=1), (3, 8)),
    "invconv-2d": (lambda: InvConv(4, n_dim=2), (4, 4, 4)),
    "coupling-1d": (lambda: AffineCoupling(3, n_dim=1, hidden_channels=8), (3, 8)),
    "coupling-2d": (lambda: AffineCoupling(4, n_dim=2, hidden_channels=8), (4, 4, 4)),
    "attention-coupling-1d": (
        lambda: AffineCoupling(3, n_dim=1, hidden_channels=8, attention=True),
        (3, 8),
    ),
    "attention-coupling-2d": (
        lambda: AffineCoupling(
            4, n_dim=2, hidden_channels=8, attention=True, n_heads=2
        ),
        (4, 4, 4),
    ),
    "additive-coupling-1d": (
        lambda: AffineCoupling(3, n_dim=1, hidden_channels=8, additive=True),
        (3, 8),
    ),
    "additive-coupling-2d": (
        lambda: AffineCoupling(4, n_dim=2, hidden_channels=8, additive=True),
        (4, 4, 4),
    ),
    "bounded-coupling-2d": (
        lambda: AffineCoupling(4, n_dim=2, hidden_channels=8, scale_clamp=0.5),
        (4, 4, 4),
    ),
    "user-net-coupling-1d": (
        lambda: AffineCoupling(3, _user_net(1, 4, torch.nn.Conv1d), n_dim=1),
        (3, 8),
    ),
    "user-net-additive-coupling-2d": (
        lambda: AffineCoupling(
            4, _user_net(2, 2, torch.nn.Conv2d), n_dim=2, additive=True
        ),
        (4, 4, 4),
    ),
    "squeeze-1d": (lambda: Squeeze(n_dim=1), (3, 8)),
    "squeeze-2d": (lambda: Squeeze(n_dim=2), (2, 4, 4)),
    "split-1d": (lambda: Split(3, n_dim=1), (3, 8)),
    "split-2d": (lambda: Split(4, n_dim=2), (4, 4, 4)),
    "flowstep-1d": (lambda: FlowStep(3, n_dim=1, hidden_channels=8), (3, 8)),
    "flowstep-2d": (lambda: FlowStep(4, n_dim=2, hidden_channels=8), (4, 4, 4)),
    "additive-flowstep-2d": (
        lambda: FlowStep(4, n_dim=2, hidden_channels=8, coupling="additive"),
        (4, 4, 4),
    ),
    "top-prior-1d": (lambda: _TopPrior(3, 1, learn_prior=True), (3, 8)),
    "top-prior-2d": (lambda: _TopPrior(4, 2, learn_prior=True), (4, 2, 2)),
    "level-1d": (lambda: _Level(3, n_dim=1, n_steps=2, hidden_channels=8), (3, 8)),
    "level-2d": (
        lambda: _Level(
            1, n_dim=2, n_steps=2, hidden_channels=8, attention=True, n_heads=2
        ),
        (1, 4, 4),
    ),
    "last-level-1d": (
        lambda: _Level(2, n_dim=1, n_steps=2, hidden_channels=8, split=False),
        (2, 8),
    ),
    "memory-efficient-level-1d": (
        lambda: _Level(
            3,
            n_dim=1,
            n_steps=2,
            hidden_channels=8,
            coupling="additive",
            memory_efficient=True,
        ),
        (3, 8),
    ),
}
# Layers whose value is one tensor: they can be chained.
CHAINABLE = [n for n in LAYERS if not n.startswith(("split", "level", "last-level"))]
CHAINABLE.remove("memory-efficient-level-1d")


def _make(name, dtype=torch.float32, seed=0):
    """A layer in a generic (non-identity) state: data-initialised ActNorms,
    every parameter (zero-initialised last layers included) perturbed."""
    torch.manual_seed(seed)
    factory, shape = LAYERS[name]
    layer = factory().to(dtype)
    x = torch.randn(32, *shape, dtype=dtype) * 2 + 0.5
    with torch.no_grad():
        layer(x)  # data-initialises the ActNorms on the activations reaching them
    with torch.no_grad():
        for p in layer.parameters():
            p.add_(0.2 * torch.randn_like(p))
    return layer, shape


@pytest.mark.parametrize("name", LAYERS)
def test_inverse_round_trip(name):
    layer, shape = _make(name)
    x = torch.randn(5, *shape)
    y, logdet = layer(x)
    assert _flat(y).shape == (5, math.prod(shape)) and logdet.shape == (5,)
    x_rec, inv_logdet = layer.inverse(y)
    assert x_rec.shape == x.shape
    torch.testing.assert_close(x_rec, x, rtol=1e-4, atol=1e-4 * x.abs().max().item())
    # the inverse returns log|det dx/dy|: minus the forward's
    assert inv_logdet.shape == (5,)
    torch.testing.assert_close(inv_logdet, -logdet)


def test_inverse_logdet_is_minus_forward_logdet_away_from_zero():
    """Guard for the test above: the layers' log-determinants are non-zero
    there, so a sign error (or returning the forward's) would be caught."""
    for name in ["actnorm-1d", "coupling-2d", "split-1d", "top-prior-1d", "level-2d"]:
        layer, shape = _make(name)
        x = torch.randn(5, *shape)
        y, logdet = layer(x)
        _, inv_logdet = layer.inverse(y)
        assert logdet.abs().min() > 1e-3, name
        torch.testing.assert_close(inv_logdet, -logdet)


@pytest.mark.parametrize("name", LAYERS)
def test_logdet_matches_autograd_jacobian(name):
    layer, shape = _make(name, dtype=torch.float64)
    x = torch.randn(2, *shape, dtype=torch.float64)
    _, logdet = layer(x)
    for i in range(2):

        def f(v):
            return _flat(layer(v.reshape(1, *shape))[0])[0]

        jac = torch.autograd.functional.jacobian(f, x[i].flatten())
        sign, expected = torch.linalg.slogdet(jac)
        assert sign != 0
        torch.testing.assert_close(logdet[i], expected, rtol=1e-7, atol=1e-7)


@pytest.mark.parametrize("name", LAYERS)
def test_gradients_reach_every_parameter(name):
    layer, shape = _make(name)
    x = torch.randn(4, *shape, requires_grad=True)
    y, logdet = layer(x)
    (_flat(y).pow(2).sum() - logdet.sum()).backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    for pname, p in layer.named_parameters():
        assert p.grad is not None, pname
        assert torch.isfinite(p.grad).all(), pname
        assert p.grad.abs().sum() > 0, pname


@pytest.mark.parametrize("name", LAYERS)
def test_state_dict_round_trip(name):
    layer, shape = _make(name, seed=0)
    other, _ = _make(name, seed=1)
    other.load_state_dict(layer.state_dict())
    x = torch.randn(3, *shape)
    y1, ld1 = layer(x)
    y2, ld2 = other(x)
    assert torch.equal(_flat(y1), _flat(y2)) and torch.equal(ld1, ld2)
    (x1, ild1), (x2, ild2) = layer.inverse(y1), other.inverse(y1)
    assert torch.equal(x1, x2) and torch.equal(ild1, ild2)


@pytest.mark.parametrize("name", CHAINABLE)
def test_memory_efficient_backward_gives_same_gradients(name):
    """The invertible backward needs nothing but the public contract: any
    tensor-valued layer, run through it, gets the plain gradients."""
    layer, shape = _make(name, dtype=torch.float64)
    x = torch.randn(4, *shape, dtype=torch.float64)
    grads = []
    for efficient in (False, True):
        layer.zero_grad()
        xi = x.clone().requires_grad_(True)
        if efficient:
            params = list(layer.parameters())
            y, logdet = _InvertibleChain.apply(
                torch.nn.ModuleList([layer]), xi, *params
            )
        else:
            y, logdet = layer(xi)
        (y.pow(2).sum() - 0.5 * logdet.sum()).backward()
        grads.append([xi.grad] + [p.grad for p in layer.parameters()])
    for g1, g2 in zip(*grads):
        torch.testing.assert_close(g2, g1, rtol=1e-9, atol=1e-9)
    assert grads[0][0].abs().sum() > 0


@pytest.mark.parametrize("n_dim", [1, 2])
def test_level_memory_efficient_gives_same_gradients(n_dim):
    plain, shape = _make("level-1d" if n_dim == 1 else "level-2d", torch.float64)
    efficient = copy.deepcopy(plain)
    efficient.memory_efficient = True
    x = torch.randn(4, *shape, dtype=torch.float64)
    grads = []
    for level in (plain, efficient):
        xi = x.clone().requires_grad_(True)
        (h, z), logdet = level(xi)
        (h.pow(2).sum() + z.pow(2).sum() - logdet.sum()).backward()
        grads.append([xi.grad] + [p.grad for p in level.parameters()])
    for g1, g2 in zip(*grads):
        torch.testing.assert_close(g2, g1, rtol=1e-9, atol=1e-9)


def test_level_value_and_errors():
    level, shape = _make("level-1d")
    (h, z), _ = level(torch.randn(2, *shape))
    assert h.shape == (2, 3, 4) and z.shape == (2, 3, 4)  # squeezed 6 -> 3 + 3
    last, shape = _make("last-level-1d")
    (h, z), _ = last(torch.randn(2, *shape))
    assert h.shape == (2, 4, 4) and z is None
    with pytest.raises(ValueError, match="no split"):
        last.inverse((h, torch.zeros_like(h)))


@pytest.mark.parametrize("n_dim", [1, 2])
def test_actnorm_initialisation_standardises(n_dim):
    layer = ActNorm(3, n_dim=n_dim)
    shape = (64, 3) + (8,) * n_dim
    x = (
        torch.randn(shape) * torch.tensor([0.1, 3.0, 50.0]).reshape(1, 3, *(1,) * n_dim)
        + 7
    )
    y, _ = layer(x)  # first forward initialises
    assert bool(layer.initialized)
    per_channel = y.transpose(0, 1).reshape(3, -1)
    torch.testing.assert_close(per_channel.mean(1), torch.zeros(3), atol=1e-4, rtol=0)
    torch.testing.assert_close(
        per_channel.std(1, unbiased=False), torch.ones(3), atol=1e-3, rtol=0
    )


@pytest.mark.parametrize("n_dim", [1, 2])
def test_actnorm_zero_variance_channel_is_finite(n_dim):
    layer = ActNorm(3, n_dim=n_dim)
    x = torch.randn((16, 3) + (8,) * n_dim)
    x[:, 1] = 4.0  # constant channel: std 0
    layer.initialize(x)
    assert torch.isfinite(layer.log_scale).all() and torch.isfinite(layer.bias).all()
    assert layer.log_scale.flatten()[1] == 0  # falls back to scale 1
    y, logdet = layer(x)
    assert torch.isfinite(y).all() and torch.isfinite(logdet).all()
    assert torch.equal(y[:, 1], torch.zeros_like(y[:, 1]))
    torch.testing.assert_close(layer.inverse(y)[0], x)


def test_actnorm_rejects_non_finite_init_batch():
    x = torch.randn(4, 2, 8)
    x[0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN or inf"):
        ActNorm(2, n_dim=1).initialize(x)


def test_invconv_starts_as_rotation_and_caches_inverse_in_eval():
    layer = InvConv(6, n_dim=2)
    w = layer.weight().detach()
    torch.testing.assert_close(w @ w.T, torch.eye(6), atol=1e-5, rtol=0)
    layer.eval()
    with torch.no_grad():
        w_inv = layer.inverse_weight()
        assert layer.inverse_weight() is w_inv  # cached
        layer.log_s.data.add_(0.5)  # even an edit through .data invalidates it
        w_inv2 = layer.inverse_weight()
    assert w_inv2 is not w_inv
    torch.testing.assert_close(
        w_inv2 @ layer.weight().detach(), torch.eye(6), atol=1e-5, rtol=0
    )
    layer.train()
    assert layer._inv_cache is None
    with torch.no_grad():
        assert (
            layer.inverse_weight() is not layer.inverse_weight()
        )  # no cache in training


def test_coupling_default_network_comes_from_the_factory():
    torch.manual_seed(0)
    default = AffineCoupling(4, n_dim=2, hidden_channels=8, attention=True, n_heads=2)
    torch.manual_seed(0)
    net = coupling_network(2, 4, n_dim=2, hidden_channels=8, attention=True, n_heads=2)
    given = AffineCoupling(4, net, n_dim=2)
    assert given.net is net
    a, b = default.state_dict(), given.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    step = FlowStep(4, n_dim=2, hidden_channels=8, coupling="additive")
    assert type(step.coupling.net) is type(coupling_network(2, 2, hidden_channels=8))
    assert step.coupling.net(torch.randn(1, 2, 4, 4)).shape == (1, 2, 4, 4)


def test_coupling_rejects_a_network_of_the_wrong_shape():
    x = torch.randn(2, 4, 8)
    # affine: needs 2 * (4 - 2) = 4 output channels
    layer = AffineCoupling(4, torch.nn.Conv1d(2, 2, 1), n_dim=1)
    with pytest.raises(ValueError, match=r"must map \(2, 2, 8\) to \(2, 4, 8\)"):
        layer(x)
    with pytest.raises(ValueError, match="network must map"):
        layer.inverse(x)
    shrinking = AffineCoupling(4, torch.nn.Conv1d(2, 2, 3), n_dim=1, additive=True)
    with pytest.raises(ValueError, match="same spatial size"):
        shrinking(x)
    with pytest.raises(TypeError, match="torch.nn.Module"):
        AffineCoupling(4, lambda xa: xa, n_dim=1)


def test_coupling_is_identity_at_initialisation():
    for attention in (False, True):
        layer = AffineCoupling(4, n_dim=2, hidden_channels=8, attention=attention)
        x = torch.randn(2, 4, 4, 4)
        y, logdet = layer(x)
        assert torch.equal(y, x) and torch.equal(logdet, torch.zeros(2))


def test_coupling_scale_is_bounded():
    layer = AffineCoupling(2, n_dim=1, hidden_channels=8, scale_clamp=2.0)
    with torch.no_grad():
        for p in layer.parameters():
            p.normal_(0, 10.0)  # a wildly diverged network
    x = torch.randn(4, 2, 16) * 100
    y, logdet = layer(x)
    assert torch.isfinite(y).all()
    assert logdet.abs().max() <= 2.0 * 16 + 1e-3  # |s| < clamp at each of 16 positions
    x_rec, inv_logdet = layer.inverse(y)
    assert torch.isfinite(x_rec).all() and torch.isfinite(inv_logdet).all()


def test_additive_coupling_is_volume_preserving_and_cannot_amplify():
    layer = AffineCoupling(4, n_dim=2, hidden_channels=8, additive=True)
    with torch.no_grad():
        for p in layer.parameters():
            p.normal_(0, 1.0)
    y = torch.randn(4, 4, 8, 8)
    x, inv_logdet = layer.inverse(y)
    _, logdet = layer(x)
    assert torch.equal(logdet, torch.zeros(4))
    assert torch.equal(inv_logdet, torch.zeros(4))
    # a perturbation of the transformed half passes through the inverse as is
    dy = torch.zeros_like(y)
    dy[:, 2:] = 1e-2 * torch.randn(4, 2, 8, 8)
    dx = layer.inverse(y + dy)[0] - x
    torch.testing.assert_close(dx, dy, atol=1e-5, rtol=0)


def test_tighter_scale_clamp_bounds_inverse_amplification():
    torch.manual_seed(0)
    layer = AffineCoupling(2, n_dim=1, hidden_channels=8, scale_clamp=0.5).double()
    with torch.no_grad():
        for p in layer.parameters():
            p.normal_(0, 10.0)
    y = torch.randn(4, 2, 16, dtype=torch.float64)
    dy = torch.zeros_like(y)
    dy[:, 1:] = 1e-3
    gain = (layer.inverse(y + dy)[0] - layer.inverse(y)[0])[:, 1:].abs() / 1e-3
    assert gain.max() <= math.exp(0.5) + 1e-6
    assert gain.min() >= math.exp(-0.5) - 1e-6
    # the diverged network saturates the bound: it is reached, not merely respected
    assert (gain - 1).abs().max() > 0.35


def test_coupling_rejects_non_positive_scale_clamp():
    with pytest.raises(ValueError, match="scale_clamp must be > 0"):
        AffineCoupling(2, n_dim=1, scale_clamp=0.0)
    with pytest.raises(ValueError, match="coupling must be"):
        FlowStep(2, n_dim=1, coupling="spline")


def test_attention_coupling_is_non_local():
    """Self-attention lets every position condition on every other one:
    the output at t=0 depends substantially on the input at t=15."""
    torch.manual_seed(0)
    layer = AffineCoupling(2, n_dim=1, hidden_channels=8, attention=True).double()
    with torch.no_grad():
        for p in layer.parameters():
            p.add_(0.3 * torch.randn_like(p))
    x = torch.randn(1, 2, 16, dtype=torch.float64)

    def f(v):
        return layer(v.reshape(1, 2, 16))[0][0, 1, 0]  # transformed channel, t=0

    grad = torch.autograd.functional.jacobian(f, x.flatten()).reshape(2, 16)
    # conditioning channel: the far position matters on the scale of the near ones
    assert grad[0, 15].abs() > 0.01 * grad[0, :2].abs().max()


@pytest.mark.parametrize("n_dim", [1, 2])
def test_squeeze_layout_and_round_trip(n_dim):
    x = torch.arange(2 * 4**n_dim, dtype=torch.float32).reshape((1, 2) + (4,) * n_dim)
    y = squeeze(x, n_dim)
    assert y.shape == (1, 2 * 2**n_dim) + (2,) * n_dim
    assert torch.equal(unsqueeze(y, n_dim), x)
    if n_dim == 1:
        # channel c*2+k holds offset k of channel c
        assert y[0, :2].tolist() == [[0.0, 2.0], [1.0, 3.0]]
    with pytest.raises(ValueError, match="even"):
        squeeze(torch.zeros((1, 1) + (3,) * n_dim), n_dim)


def test_layer_input_errors():
    with pytest.raises(ValueError, match="n_dim"):
        ActNorm(2, n_dim=3)
    with pytest.raises(ValueError, match="3-D tensor"):
        ActNorm(2, n_dim=1)(torch.zeros(2, 2, 4, 4))
    with pytest.raises(ValueError, match="channels"):
        InvConv(3, n_dim=1)(torch.zeros(2, 4, 8))
    with pytest.raises(ValueError, match="at least 2 channels"):
        AffineCoupling(1, n_dim=1)
    with pytest.raises(ValueError, match="divisible by n_heads"):
        AffineCoupling(4, hidden_channels=6, attention=True, n_heads=4)


def test_flows_package_does_not_import_sklearn():
    root = pathlib.Path(flows.__file__).parent
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert not name.startswith("sklearn."), (path, name)
                assert name != "sklearn", (path, name)


def test_channels_last_fast_path_matches_plain_layout(monkeypatch):
    import sklearn_seismo.flows._coupling as coupling

    torch.manual_seed(0)
    fast = AffineCoupling(4, n_dim=2, hidden_channels=8)
    monkeypatch.setattr(coupling, "_CHANNELS_LAST", False)
    slow = AffineCoupling(4, n_dim=2, hidden_channels=8)
    slow.load_state_dict(fast.state_dict())
    assert fast.net.channels_last and not slow.net.channels_last
    with torch.no_grad():
        for p in fast.parameters():
            p.add_(0.1 * torch.randn_like(p))
        slow.load_state_dict(fast.state_dict())
    x = torch.randn(3, 4, 8, 8)
    (y1, ld1), (y2, ld2) = fast(x), slow(x)
    assert y1.is_contiguous()
    torch.testing.assert_close(y1, y2)
    torch.testing.assert_close(ld1, ld2)
