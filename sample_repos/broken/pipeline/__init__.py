"""Broken inputs for the analyzer: every file here is bad on purpose."""
