"""attnphys.detector"""
