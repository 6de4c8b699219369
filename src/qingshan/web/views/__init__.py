"""The shell's pages (home, search, login) and the pieces every app's pages share (common)."""
