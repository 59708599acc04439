# rules: jets_dataset (to be written)
