"""The ownership core: the only paths from a request to a row.

Template-owned: keep your own code out of this package so `copier update` merges cleanly.
"""
