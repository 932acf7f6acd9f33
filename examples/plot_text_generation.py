"""
==================================
Character-level text generation
==================================

The classic use of an output at every step: an LSTM reads text one character
at a time and predicts the next character at every position (an
:class:`~sklearn_rnn.RNNClassifier` with ``pooling=None``, whose labels are
the text shifted by one). Sampling from its predicted distribution, character
after character, writes new text; a temperature below 1 sharpens the
distribution (safer, more repetitive text), above 1 flattens it.

The text ships with NumPy: the summaries of twenty of its docstrings, about
4,900 characters, lower-cased. We hold out its last sixth and compare the
next-character accuracy there with a bigram baseline (the most frequent
successor of the current character in the training text).
"""

# %%
import matplotlib

matplotlib.use("Agg")
import re
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_rnn import RNNClassifier

# 60 epochs keep this example under a minute; the model would improve further
warnings.filterwarnings("ignore", category=ConvergenceWarning)

NAMES = ["mean", "median", "sum", "sort", "argsort", "reshape", "concatenate",
         "stack", "where", "unique", "linspace", "arange", "zeros", "ones", "dot",
         "transpose", "cumsum", "clip", "histogram", "percentile"]
summaries = [(getattr(np, name).__doc__ or "").split("Parameters")[0] for name in NAMES]
text = re.sub(r"\s+", " ", " ".join(summaries)).lower()
text = re.sub(r"[^a-z ,.]", "", text)
alphabet = np.array(sorted(set(text)))
codes = np.searchsorted(alphabet, list(text))
one_hot = np.eye(len(alphabet))
print(f"{len(text)} characters, an alphabet of {len(alphabet)}")

# %%
# Windows of 50 characters (every 25th start); the label at each step is the
# next character.
length, stride = 50, 25
split = int(len(text) * 5 / 6)


def windows(start, stop):
    starts = range(start, stop - length - 1, stride)
    X = np.stack([one_hot[codes[s : s + length]] for s in starts])
    y = np.stack([alphabet[codes[s + 1 : s + length + 1]] for s in starts])
    return X, y


X_train, y_train = windows(0, split)
X_test, y_test = windows(split, len(text))
# one direction: the output at each character may read only the text so far
# (the classifier's default, two directions, would read the answer)
model = RNNClassifier(pooling=None, bidirectional=False, cell="lstm",
                      hidden_layer_sizes=64, learning_rate_init=0.01, max_iter=60,
                      random_state=0)
model.fit(X_train, y_train)

# bigram baseline: the most frequent successor of each character
successors = np.zeros((len(alphabet), len(alphabet)))
np.add.at(successors, (codes[: split - 1], codes[1:split]), 1)
bigram = alphabet[successors.argmax(axis=1)]
bigram_accuracy = np.mean(bigram[codes[split:-1]] == alphabet[codes[split + 1 :]])
print(f"next-character accuracy on the held-out text: LSTM "
      f"{model.score(X_test, y_test):.3f}, bigram {bigram_accuracy:.3f}")


# %%
# Sampling: the model reads the last 50 characters and draws the next one.
def generate(prompt, n_characters, temperature, seed=0):
    rng = np.random.RandomState(seed)
    out = prompt
    for _ in range(n_characters):
        window = one_hot[np.searchsorted(alphabet, list(out[-length:]))][None]
        proba = model.predict_proba(window)[0, -1]  # after the last character
        logits = np.log(proba) / temperature
        proba = np.exp(logits - logits.max())
        out += rng.choice(model.classes_, p=proba / proba.sum())
    return out


samples = {t: generate("return the ", 160, t) for t in (0.3, 0.7, 1.2)}
for temperature, sample in samples.items():
    print(f"temperature {temperature}: {sample!r}")

# %%
fig, ax = plt.subplots(figsize=(8, 3))
ax.plot(model.loss_curve_)
ax.set_xlabel("epoch")
ax.set_ylabel("cross-entropy per character")
ax.set_title("Training an LSTM to predict the next character")
fig.tight_layout()
plt.show()
