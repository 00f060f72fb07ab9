"""newsqa query side (filled in below)."""
