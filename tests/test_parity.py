"""Given the same weights, our forward pass equals PyTorch's nn.RNN, nn.LSTM and
nn.GRU (batch_first, stacked, bidirectional) in float64, and so do the training
loss and its gradient on padded batches (PyTorch's packed sequences and autograd).

Runs when torch is importable; CI installs it through the ``parity`` extra."""

import numpy as np
import pytest

from sklearn_rnn._bptt import LossGrad, Network, forward, to_time_major
from sklearn_rnn._params import layer_param_names, unpack
from sklearn_rnn._sequences import pad_sequences

torch = pytest.importorskip("torch")

TORCH_MODULES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


def copy_torch_weights(module, net, theta):
    """Write a torch recurrent module's weights into our flat vector."""
    params = unpack(theta, net.index)
    for layer, n_hidden in enumerate(net.hidden_layer_sizes):
        for direction in range(net.n_directions):
            suffix = f"l{layer}" + ("_reverse" if direction else "")
            names = layer_param_names(layer, direction, net.cell)
            w_ih = getattr(module, f"weight_ih_{suffix}").detach().numpy()
            w_hh = getattr(module, f"weight_hh_{suffix}").detach().numpy()
            b_ih = getattr(module, f"bias_ih_{suffix}").detach().numpy()
            b_hh = getattr(module, f"bias_hh_{suffix}").detach().numpy()
            params[names["W"]][...] = w_ih.T
            params[names["R"]][...] = w_hh.T
            if net.cell == "gru":
                # r and z add both biases; b_hn stays inside the reset product
                params[names["b"]][...] = b_ih
                params[names["b"]][: 2 * n_hidden] += b_hh[: 2 * n_hidden]
                params[names["bh"]][...] = b_hh[2 * n_hidden :]
            else:
                params[names["b"]][...] = b_ih + b_hh


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("n_layers", [1, 2])
# 32 units are enough for the exp-based activations (_activations.py)
@pytest.mark.parametrize("n_samples, n_hidden", [(5, 4), (8, 32)])
def test_forward_equals_pytorch(cell, bidirectional, n_layers, n_samples, n_hidden):
    torch.manual_seed(0)
    n_timesteps, n_features = 9, 3
    module = TORCH_MODULES[cell](
        n_features, n_hidden, num_layers=n_layers, batch_first=True,
        bidirectional=bidirectional,
    ).double()
    net = Network(
        n_features, (n_hidden,) * n_layers, 1, cell=cell, bidirectional=bidirectional
    )
    theta = np.zeros(net.n_params)
    copy_torch_weights(module, net, theta)

    X = np.random.RandomState(0).normal(size=(n_samples, n_timesteps, n_features))
    with torch.no_grad():
        expected = module(torch.from_numpy(X))[0].numpy()  # (n, T, D * H)
    _, cache = forward(net, unpack(theta, net.index), *to_time_major(X, None, float))
    ours = cache["top"].transpose(1, 0, 2)
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-10)
    # 'last' pooling is PyTorch's final hidden state of each direction
    with torch.no_grad():
        h_n = module(torch.from_numpy(X))[1]
    h_n = (h_n[0] if cell == "lstm" else h_n).numpy()[-net.n_directions :]
    np.testing.assert_allclose(
        cache["features"], np.concatenate(list(h_n), axis=1), rtol=0, atol=1e-10
    )


def copy_torch_gradients(module, net, grad):
    """Our flat gradient assembled from a torch module's ``.grad`` fields.

    The inverse of :func:`copy_torch_weights`: where we hold one bias for two
    of PyTorch's (``b = b_ih + b_hh``), each of theirs has the same gradient
    as our sum, so ``b_ih``'s is ours.
    """
    params = unpack(grad, net.index)
    for layer, n_hidden in enumerate(net.hidden_layer_sizes):
        for direction in range(net.n_directions):
            suffix = f"l{layer}" + ("_reverse" if direction else "")
            names = layer_param_names(layer, direction, net.cell)
            params[names["W"]][...] = getattr(module, f"weight_ih_{suffix}").grad.T
            params[names["R"]][...] = getattr(module, f"weight_hh_{suffix}").grad.T
            params[names["b"]][...] = getattr(module, f"bias_ih_{suffix}").grad
            if net.cell == "gru":
                b_hh = getattr(module, f"bias_hh_{suffix}").grad
                params[names["bh"]][...] = b_hh[2 * n_hidden :]


def torch_loss(module, net, V, c, sequences, Y, sample_weight):
    """The training objective of :class:`LossGrad` (alpha=0) written in torch.

    ``sequences`` is a list of (T_i, n_features) arrays of valid steps only:
    PyTorch's packed sequences skip the steps after each length, which is
    what our padding does wherever it stands.
    """
    nn_utils = torch.nn.utils.rnn
    lengths = torch.tensor([len(x) for x in sequences])
    padded = nn_utils.pad_sequence(
        [torch.from_numpy(x) for x in sequences], batch_first=True
    )
    packed = nn_utils.pack_padded_sequence(
        padded, lengths, batch_first=True, enforce_sorted=False
    )
    packed_out, h_n = module(packed)
    outputs, _ = nn_utils.pad_packed_sequence(packed_out, batch_first=True)
    valid = torch.arange(outputs.shape[1])[None, :] < lengths[:, None]
    if net.pooling == "last":
        h_n = h_n[0] if net.cell == "lstm" else h_n
        pooled = torch.cat(list(h_n[-net.n_directions :]), dim=1)
    elif net.pooling == "mean":
        pooled = outputs.sum(dim=1) / lengths[:, None]
    else:
        masked = outputs.masked_fill(~valid[:, :, None], -torch.inf)
        pooled = masked.max(dim=1).values
    raw = pooled @ V + c
    Y = torch.from_numpy(Y)
    if net.out_activation == "identity":
        per_sample = 0.5 * ((raw - Y) ** 2).sum(dim=1)
    elif net.out_activation == "logistic":
        per_sample = torch.nn.functional.binary_cross_entropy_with_logits(
            raw, Y, reduction="none"
        ).sum(dim=1)
    elif net.out_activation == "softmax":
        per_sample = -(Y * torch.log_softmax(raw, dim=1)).sum(dim=1)
    else:  # half Poisson deviance, log link: exp(z) - y z + the constant y log y - y
        per_sample = (
            torch.nn.functional.poisson_nll_loss(raw, Y, reduction="none")
            + torch.special.xlogy(Y, Y) - Y
        ).sum(dim=1)
    weights = torch.from_numpy(sample_weight)
    return (per_sample * weights).sum() / weights.sum()


@pytest.mark.parametrize(
    "cell, activation", [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"),
                         ("gru", "tanh")]
)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("n_layers", [1, 2])
@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
@pytest.mark.parametrize("out_activation", ["identity", "logistic", "softmax", "exp"])
def test_loss_and_gradient_on_padded_batches_equal_pytorch_autograd(
    cell, activation, bidirectional, n_layers, pooling, out_activation
):
    torch.manual_seed(0)
    data_rng = np.random.RandomState(0)
    n_samples, n_timesteps, n_features, n_hidden, n_outputs = 6, 8, 3, 5, 3
    module = TORCH_MODULES[cell](
        n_features, n_hidden, num_layers=n_layers, batch_first=True,
        bidirectional=bidirectional,
        **({"nonlinearity": activation} if cell == "rnn" else {}),
    ).double()
    net = Network(
        n_features, (n_hidden,) * n_layers, n_outputs, activation=activation,
        pooling=pooling, out_activation=out_activation, cell=cell,
        bidirectional=bidirectional,
    )
    theta = np.zeros(net.n_params)
    copy_torch_weights(module, net, theta)
    params = unpack(theta, net.index)
    params["V"][...] = data_rng.normal(size=params["V"].shape)
    params["c"][...] = data_rng.normal(size=params["c"].shape)
    V = torch.tensor(params["V"], requires_grad=True)
    c = torch.tensor(params["c"], requires_grad=True)

    lengths = [8, 1, 5, 8, 3, 6]  # one of them a single step
    sequences = [data_rng.normal(size=(n, n_features)) for n in lengths]
    if out_activation == "identity":
        Y = data_rng.normal(size=(n_samples, n_outputs))
    elif out_activation == "logistic":
        Y = data_rng.randint(0, 2, size=(n_samples, n_outputs)).astype(float)
    elif out_activation == "exp":
        Y = data_rng.poisson(1.5, size=(n_samples, n_outputs)).astype(float)
    else:
        Y = np.eye(n_outputs)[data_rng.randint(0, n_outputs, size=n_samples)]
    sample_weight = data_rng.uniform(0.5, 2.0, size=n_samples)

    expected_loss = torch_loss(module, net, V, c, sequences, Y, sample_weight)
    expected_loss.backward()
    expected_grad = np.zeros(net.n_params)
    copy_torch_gradients(module, net, expected_grad)
    unpack(expected_grad, net.index)["V"][...] = V.grad.numpy()
    unpack(expected_grad, net.index)["c"][...] = c.grad.numpy()

    # ours on the same sequences padded after, before, and in the middle
    post = pad_sequences(sequences, maxlen=n_timesteps, padding="post")
    pre = pad_sequences(sequences, maxlen=n_timesteps, padding="pre")
    mid = pad_sequences(sequences, maxlen=n_timesteps + 2, padding="post")
    for i, n in enumerate(lengths):  # move the tail of each sequence 2 steps on
        half = n // 2
        mid[i, half + 2 : n + 2] = np.asarray(sequences[i])[half:]
        mid[i, half : half + 2] = np.nan
    objective = LossGrad(net, alpha=0.0)
    for X in (post, pre, mid):
        pad = np.isnan(X).any(axis=2)
        loss, grad = objective(theta, *to_time_major(X, pad, float), Y, sample_weight)
        assert loss == pytest.approx(expected_loss.item(), rel=1e-12)
        np.testing.assert_allclose(grad, expected_grad, rtol=1e-9, atol=1e-12)
