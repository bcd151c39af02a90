"""Test support shared by every tier (and by bench/): fakes, token minting, ports, stacks.

Nothing here is a test, and nothing in an application package imports it (STYLE rule 12):
images never contain it (.dockerignore allow-lists the application packages only).
"""
