# rules: neutron_stars (to be written)
