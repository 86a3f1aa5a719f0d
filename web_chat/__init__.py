"""Residents' web chat: a static chat page and a small proxy to Rasa's REST channel."""
