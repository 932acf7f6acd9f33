"""Sphinx configuration of the sklearn_rnn documentation."""

project = "sklearn_rnn"
author = "The sklearn_rnn developers"
copyright = "2026, The sklearn_rnn developers"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
]
autosummary_generate = True
numpydoc_show_class_members = False
templates_path = ["_templates"]
exclude_patterns = ["_build"]
html_theme = "pydata_sphinx_theme"
