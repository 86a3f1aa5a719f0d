"""Rasa custom actions: dialogue logic only; every council system is reached through ``connectors``."""
