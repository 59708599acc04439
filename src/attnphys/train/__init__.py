"""attnphys.train"""
