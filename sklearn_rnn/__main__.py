"""``python -m sklearn_rnn``: the digits demo (see ``sklearn_rnn._demo``)."""

from sklearn_rnn._demo import main

if __name__ == "__main__":
    main()
