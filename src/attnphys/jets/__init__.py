"""attnphys.jets"""
