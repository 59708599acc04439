"""attnphys.gating"""
