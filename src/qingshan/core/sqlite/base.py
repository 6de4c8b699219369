from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any

from django.db.backends.sqlite3 import base

log = logging.getLogger(__name__)

FILE_MODE = 0o600
DIRECTORY_MODE = 0o700


def database_files_restrict(path: Path) -> None:
    """Create the directory (0700) and the file (0600) if missing; narrow an existing
    file and its WAL companions to 0600."""
    if not path.parent.exists():
        # an existing directory is left as it is: it may be shared (/var/lib, /tmp)
        path.parent.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if file.stat().st_mode & 0o777 != FILE_MODE:
                file.chmod(FILE_MODE)
        except FileNotFoundError:
            continue
        except PermissionError:  # another user's file: say so, SQLite decides the rest
            log.warning("event=database-file-mode path=%s: not ours to narrow to 0600", file)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: Any) -> Any:
        if not self.is_in_memory_db():
            database_files_restrict(Path(conn_params["database"]))
        return super().get_new_connection(conn_params)
