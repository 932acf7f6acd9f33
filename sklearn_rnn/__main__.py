"""``python -m sklearn_rnn``: the digits demo (see ``sklearn_rnn._demo``);
``python -m sklearn_rnn --help`` lists its options."""

from sklearn_rnn._demo import command_line

if __name__ == "__main__":
    command_line()
