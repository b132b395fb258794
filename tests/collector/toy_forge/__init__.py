"""A third forge, built the documented way: this folder, a settings model, one registry line.

It reads a "forge" that is a JSON file (repositories and their changes), so the
test needs no server; everything else goes through the product's own
interface, registry, sync loop and store.
"""
