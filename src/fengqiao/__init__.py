"""Fengqiao (枫桥): the daily work platform of a grassroots police station."""

__version__ = "0.1.0"
