"""Sphinx configuration of the sklearn_rnn documentation.

Builds offline: intersphinx is only loaded when SKLEARN_RNN_DOCS_INTERSPHINX=1,
so a build without network access (CI) never tries to fetch inventories, and
references to scikit-learn, numpy or scipy then render as plain text.
"""

import os

import sklearn_rnn

project = "sklearn_rnn"
author = "The sklearn_rnn developers"
copyright = "2026, The sklearn_rnn developers"
version = release = sklearn_rnn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
if os.environ.get("SKLEARN_RNN_DOCS_INTERSPHINX") == "1":
    extensions.append("sphinx.ext.intersphinx")
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "scipy": ("https://docs.scipy.org/doc/scipy", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
    }

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
html_theme = "pydata_sphinx_theme"
html_title = "sklearn_rnn"
html_theme_options = {"navigation_with_keys": False}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "reference_url": {"sklearn_rnn": None},
    "doc_module": ("sklearn_rnn",),
    "backreferences_dir": "generated/backreferences",
    "min_reported_time": 1,
}


def skip_scikit_learn_members(app, what, name, obj, skip, options):
    """Document our own methods only: members inherited from scikit-learn's
    mixins (score, get_params, set_output, metadata requests, ...) refer to
    scikit-learn's documentation, which an offline build cannot link to."""
    module = getattr(obj, "__module__", None) or ""
    if module.startswith("sklearn."):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", skip_scikit_learn_members)
