"""Personal data: finding and masking it, for every part that shows or stores residents' words."""
