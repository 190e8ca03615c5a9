"""Declaring: a stored declaration carried through its steps (commander, create, announce,
thread reply), exactly once and resumable.
"""
