"""Evaluating the assistant's NLU: the code that decides whether a model goes live, and what ``make eval`` reports.

One package, so the staff console's gate, the benchmarks and the data scripts measure the same way:

- ``evaluation.metrics``: labelled examples, predictions and their figures (accuracy, macro-F1, out-of-scope
  recall, entity F1, confusions), and the contract's entity names;
- ``evaluation.text``: the one normalisation for leak checks, entity markup, SSML/HTML markup;
- ``evaluation.datasets``: the held-out loader (Rasa YAML) and the vendored CLINC150 (``evaluation/data/``);
- ``evaluation.model``: loading only the NLU part of a trained model and parsing with it;
- ``evaluation.manifest``: what a model is trained on (one list, read by the Makefile, tests and the console);
- ``evaluation.rasa_process``: the environment of a Rasa subprocess and the one runner of ``rasa train``;
- ``evaluation.stats``: the one percentile of the latency benchmarks.

Nothing here imports Rasa or TensorFlow at import time: the console imports this package and must stay light.
"""
