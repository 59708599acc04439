# rules: jets_report (to be written)
