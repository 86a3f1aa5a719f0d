"""Where Rasa keeps conversations: its SQL tracker store, with a bounded working window (``windowed``)."""

# The table beside Rasa's `events` where the windowed store keeps each conversation's window (its anchor and the
# events that rebuild the state there); retention and erasure delete from it too (staff_console/retention.py).
WINDOWS_TABLE = "conversation_windows"
