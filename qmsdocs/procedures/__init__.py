"""Procedures (quy trình) and their immutable versions: the core of qmsdocs."""
