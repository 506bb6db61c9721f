"""What the tests that write MyST notebooks share: the front matter that makes a .md file a notebook."""

FRONT_MATTER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""
