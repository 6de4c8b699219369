"""The registry pages, one module per sub-domain: enterprises, and the records they own
(outlets, monitoring points, data loggers)."""
