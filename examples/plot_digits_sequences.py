"""
=====================================================
Training and validation curves of the solvers
=====================================================

Each 8x8 image of scikit-learn's digits data set becomes a sequence of 8
timesteps (rows) of 8 features (pixels). An :class:`~sklearn_rnn.RNNClassifier`
reads the rows one by one. With ``early_stopping=True`` every solver, Adam,
SGD and scipy's L-BFGS-B alike, holds out 10% of the training data, records
the validation loss at each iteration and keeps the best parameters.
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
# Train with each solver; plot the training loss (solid) and the validation
# loss (dashed) of each iteration.
fig, ax = plt.subplots(figsize=(6, 4))
for color, (solver, params) in zip(
    ["C0", "C1", "C2"],
    [
        ("adam", dict(learning_rate_init=0.01)),
        ("sgd", dict(learning_rate_init=0.1)),
        ("L-BFGS-B", dict()),
    ],
):
    clf = RNNClassifier(
        hidden_layer_sizes=(32,), solver=solver, max_iter=80, early_stopping=True,
        n_iter_no_change=8, random_state=0, **params
    ).fit(X_train, y_train)
    accuracy = clf.score(X_test, y_test)
    print(f"{solver}: test accuracy {accuracy:.3f} after {clf.n_iter_} iterations "
          f"(validation accuracy {clf.best_validation_score_:.3f} at the lowest "
          "validation loss)")
    ax.plot(clf.loss_curve_, color=color, label=f"{solver} (test {accuracy:.3f})")
    ax.plot(clf.validation_loss_curve_, color=color, ls="--")
ax.set_xlabel("iteration")
ax.set_ylabel("loss (dashed: validation)")
ax.set_yscale("log")
ax.legend()
ax.set_title("RNNClassifier on digits read row by row")
fig.tight_layout()
plt.show()
