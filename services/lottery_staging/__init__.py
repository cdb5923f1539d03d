"""Staging area for the fair-release lottery (issue 20, phase 1): the pure algorithm, kept
apart until ``services/appointments/`` exists, where it moves as ``lottery.py`` and friends.
"""
