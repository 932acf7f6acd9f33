"""Given the same weights, our forward pass equals PyTorch's nn.RNN, nn.LSTM and
nn.GRU (batch_first, stacked, bidirectional) in float64.

Runs when torch is importable; CI installs it through the ``parity`` extra."""

import numpy as np
import pytest

from sklearn_rnn._bptt import Network, forward, to_time_major
from sklearn_rnn._params import layer_param_names, unpack

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
        cache["pooled"], np.concatenate(list(h_n), axis=1), rtol=0, atol=1e-10
    )
