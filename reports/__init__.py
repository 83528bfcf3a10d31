"""Reports read from the read models and the event log (no service needed): the ROTH dataset."""
