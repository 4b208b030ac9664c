"""Jinja2 templates that give generated modules their shape (package data)."""
