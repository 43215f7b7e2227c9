"""Reusable layout pieces shared by pages (navigation, badges, source notes)."""
