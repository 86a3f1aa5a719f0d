"""The project's own NLU pieces: the spaCy pipeline builder and Rasa graph components."""
