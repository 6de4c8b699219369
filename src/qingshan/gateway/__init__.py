"""The HJ 212 ingestion gateway: an asyncio TCP server around the sans-I/O codec.

Nothing here imports Django: storage is reached only through a :class:`~.sink.Sink`.
"""
