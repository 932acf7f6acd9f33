"""
==================================
Forecasting a series with windows
==================================

:func:`~sklearn_rnn.make_windows` cuts one long series into input windows and
the values that follow them. An :class:`~sklearn_rnn.RNNRegressor` learns
one-step-ahead forecasts, and, with ``horizon=12``, the next 12 steps at once
(a multi-output regression). We plot both against the truth on the held-out
end of the series.
"""

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from sklearn_rnn import RNNRegressor, make_windows

rng = np.random.RandomState(0)
t = np.arange(600)
series = np.sin(2 * np.pi * t / 50) + 0.5 * np.sin(2 * np.pi * t / 13)
series += 0.1 * rng.normal(size=t.size)
split = 480  # train on the first 480 steps, forecast the rest

# %%
# One step ahead: each window of 24 steps predicts the next value.
window = 24
X, y = make_windows(series, window)
train = np.arange(len(y)) + window < split  # targets inside the training part
model = RNNRegressor(hidden_layer_sizes=(16,), solver="lbfgs", max_iter=150, random_state=0)
model.fit(X[train], y[train])
one_step = model.predict(X[~train])
print(f"one-step R² on the held-out part: {model.score(X[~train], y[~train]):.3f}")

# %%
# Twelve steps ahead at once, from the window that ends at the split.
X12, y12 = make_windows(series, window, horizon=12)
train12 = np.arange(len(y12)) + window + 11 < split
model12 = RNNRegressor(hidden_layer_sizes=(16,), solver="lbfgs", max_iter=150, random_state=0)
model12.fit(X12[train12], y12[train12])
start = split - window
path = model12.predict(series[start:split][None, :, None])[0]

# %%
fig, ax = plt.subplots(figsize=(8, 4))
ax.plot(t[split - 60 :], series[split - 60 :], color="0.6", label="series")
ax.plot(t[window:][~train], one_step, label="one step ahead")
ax.plot(t[split : split + 12], path, "o-", label="12 steps at once")
ax.axvline(split, color="k", lw=0.8)
ax.set_xlabel("step")
ax.legend()
ax.set_title("RNNRegressor forecasts on the held-out end of the series")
fig.tight_layout()
plt.show()
