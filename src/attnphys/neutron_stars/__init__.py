"""attnphys.neutron_stars"""
