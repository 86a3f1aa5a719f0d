"""Where Rasa keeps conversations and locks them: tracker store (``windowed``), Redis lock store (``locks``).

Both ride out a restart of their server (``outage``).
"""

# The table beside Rasa's `events` where the windowed store keeps each conversation's window (its anchor and the
# events that rebuild the state there); retention and erasure delete from it too (staff_console/retention.py).
WINDOWS_TABLE = "conversation_windows"
