"""JSON request bodies, one pydantic model per endpoint (see base.py for why pydantic)."""

from .base import OneLine, Schema, TextBody, parse_body

__all__ = ["OneLine", "Schema", "TextBody", "parse_body"]
