# rules: gating (to be written)
