"""Where Rasa keeps conversations: its SQL tracker store, with a bounded working window (``windowed``)."""
