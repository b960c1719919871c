"""Helpers shared by every code location in the monorepo."""

from shared_lib.naming import asset_prefix

__all__ = ["asset_prefix"]
