"""The project's own NLU pieces: the spaCy pipeline builder and Rasa graph components.

Importing the package also makes Rasa load saved TensorFlow models without tracing their training step
(``tf_loading``): Rasa imports this package before it loads a model of this project's pipeline.
"""

from nlu_components import tf_loading

tf_loading.install()
