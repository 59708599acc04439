# rules: spanet (to be written)
