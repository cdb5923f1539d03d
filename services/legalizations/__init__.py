"""Consular legalizations: officers record them (one, or a CSV import) and revoke them;
anyone checks one by its numbers or by the signed link in the sticker's QR code."""
