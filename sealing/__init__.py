"""Sealing personal data wherever it leaves the service: the key ring (keys.py) and the
Temporal payload codec (codec.py)."""
