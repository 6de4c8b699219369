"""The pages of the web interface, one module per area (home, enterprises, records, permits)."""
