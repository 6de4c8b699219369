"""Django's SQLite backend, with the database file readable by its owner only.

The file holds live sessions and every record: it is created 0600 in a directory created
0700, before SQLite opens it. An existing file (and its -wal / -shm) made wider by an older
version is narrowed on the next connection. SQLite gives the -wal and -shm files it
creates the mode of the database file.
"""
