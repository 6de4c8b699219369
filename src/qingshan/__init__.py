"""Qingshan (青山): one platform for an ecology and environment bureau."""

__version__ = "0.1.0"
