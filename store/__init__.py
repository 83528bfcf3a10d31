"""Persistence for Safeguarding Pathways: the event log, read models and outbox.

The package imports nothing on its own: store/chain.py (the hash recipe) is pure, and the
auditors' offline bundle check (audit/bundle.py) imports it without loading SQLAlchemy.
"""
