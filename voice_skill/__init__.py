"""Alexa voice skill: a thin adapter from Alexa requests to Rasa turns and from Rasa's replies to speech."""
