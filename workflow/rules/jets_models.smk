# rules: jets_models (to be written)
