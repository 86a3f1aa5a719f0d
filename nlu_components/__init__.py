"""The project's own NLU pieces: the spaCy pipeline builder and Rasa graph components.

Importing the package changes nothing in Rasa: the fast model load (``tf_loading``) is installed by the code
that loads a model (``nlu_components.rasa_cli``, ``evaluation.model``).
"""
