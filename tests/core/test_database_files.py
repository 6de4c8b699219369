"""The SQLite file holds live sessions: it and the data directory are the owner's alone."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db.utils import ConnectionHandler

from qingshan.settings import _database


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # what a server's shell usually has: files 0644, dirs 0755
    yield
    os.umask(previous)


@pytest.fixture
def write_through_django(django_db_blocker: Any) -> Callable[[Path], None]:
    """Opens the database file as every process does (Django's connection, our settings)."""

    def write(path: Path) -> None:
        with django_db_blocker.unblock():
            _write(path)

    return write


def _write(path: Path) -> None:
    connection = ConnectionHandler({"default": _database(f"sqlite:///{path}")})["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS session (key text, data text)")
            cursor.execute("INSERT INTO session VALUES ('k', 'secret')")
            # while the connection is open the WAL companions exist
            assert (path.parent / f"{path.name}-wal").exists()
            for companion in ("-wal", "-shm"):
                assert _mode(path.parent / f"{path.name}{companion}") == 0o600
    finally:
        connection.close()


def test_a_new_database_and_its_directory_are_owner_only(
    tmp_path: Path, write_through_django: Callable[[Path], None]
) -> None:
    data_dir = tmp_path / "data"  # does not exist yet
    database = data_dir / "qingshan.sqlite3"
    write_through_django(database)
    assert _mode(data_dir) == 0o700
    assert _mode(database) == 0o600


def test_an_existing_readable_database_is_narrowed(
    tmp_path: Path, write_through_django: Callable[[Path], None]
) -> None:
    tmp_path.chmod(0o755)
    database = tmp_path / "qingshan.sqlite3"
    for name in (database, tmp_path / "qingshan.sqlite3-wal"):
        name.touch()
        name.chmod(0o644)  # as an older version created them
    write_through_django(database)
    assert _mode(database) == 0o600
    assert _mode(tmp_path) == 0o755  # a directory that was there is not Qingshan's to change


def test_an_upload_that_creates_the_data_directory_creates_it_owner_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    storage = FileSystemStorage(location=data_dir / "media")
    name = storage.save("cases/1/report.pdf", ContentFile(b"%PDF-1.4"))
    assert _mode(data_dir) == 0o700
    assert _mode(data_dir / "media" / "cases") == 0o700
    assert _mode(Path(storage.path(name))) == 0o600
