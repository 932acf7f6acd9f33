"""
======================================
Digits read as sequences of pixel rows
======================================

Each 8x8 image of scikit-learn's digits data set becomes a sequence of 8
timesteps (rows) of 8 features (pixels). An :class:`~sklearn_rnn.RNNClassifier`
reads the rows one by one; we compare the three solvers' training curves and
test accuracies.
"""

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sklearn_rnn import RNNClassifier

X, y = load_digits(return_X_y=True)
X = X.reshape(-1, 8, 8) / 16.0  # (n_samples, n_timesteps=8, n_features=8)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

# %%
# Train with each solver and plot the training loss of each iteration.
fig, ax = plt.subplots(figsize=(6, 4))
for solver, params in [
    ("adam", dict(learning_rate_init=0.01)),
    ("sgd", dict(learning_rate_init=0.1)),
    ("lbfgs", dict()),
]:
    clf = RNNClassifier(
        hidden_layer_sizes=(32,), solver=solver, max_iter=60, random_state=0, **params
    ).fit(X_train, y_train)
    accuracy = clf.score(X_test, y_test)
    print(f"{solver}: test accuracy {accuracy:.3f} after {clf.n_iter_} iterations")
    ax.plot(clf.loss_curve_, label=f"{solver} (test accuracy {accuracy:.3f})")
ax.set_xlabel("iteration")
ax.set_ylabel("training loss")
ax.set_yscale("log")
ax.legend()
ax.set_title("RNNClassifier on digits read row by row")
fig.tight_layout()
plt.show()
