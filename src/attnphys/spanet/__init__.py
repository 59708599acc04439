"""attnphys.spanet"""
