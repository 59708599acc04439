# rules: jets_events (to be written)
