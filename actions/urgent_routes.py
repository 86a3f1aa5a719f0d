"""The urgent routes, in the order the urgent-phrase override tries them: the one list of them.

Kept free of Rasa and rasa-sdk imports so that both the NLU component (nlu_components/urgent.py) and the
action server (actions/urgent.py) import the same tuple, and tests and benchmarks can too. Self-harm comes
first so that a message naming it gets the crisis lines, never a utility's emergency number; domestic abuse
before general danger so "my partner is hitting me" hears about the silent 999 call and the helpline.
"""

URGENT_INTENTS: tuple[str, ...] = (
    "suicide_self_harm",
    "domestic_abuse",
    "immediate_danger",
    "safeguarding_concern",
    "home_flooding",
    "homeless_urgent",
)
