"""What the index refuses, in one line each and without touching the database: a file that is not SQLite, a
database of someone else's, the index of another deployment, a PostgreSQL server nobody answers at. And what it
rebuilds, saying so: an index of this deployment made by another schema version."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import Impact, open_index
from world import World

from impact.chain.localnode import free_port
from impact.index.store import StoreError, open_store
from impact.index.sync import Syncer


def one_line_error(result) -> str:
    assert result.code == 1, result.out
    assert "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    return lines[0]


def test_a_file_that_is_not_sqlite_is_refused_and_left_as_it_was(impact, tmp_path):
    path = tmp_path / "notes.sqlite"
    content = os.urandom(4096)
    path.write_bytes(content)
    for command in (["index", "sync"], ["trace", "--investor", impact.world.investors[0]]):
        line = one_line_error(impact(*command, "--db", str(path)))
        assert f"{path} is not an index database" in line and "not touching it" in line
    assert path.read_bytes() == content


def test_a_sqlite_database_of_someone_elses_is_refused_and_left_as_it_was(impact, tmp_path):
    import sqlite3

    path = tmp_path / "theirs.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('mine')")
    content = path.read_bytes()
    line = one_line_error(impact("index", "sync", "--db", str(path)))
    assert "is not an impact index (it holds tables of its own: notes)" in line
    assert path.read_bytes() == content
    assert not Path(f"{path}-wal").exists()


def test_a_postgresql_database_of_someone_elses_is_refused_and_left_as_it_was(impact, postgres):
    import psycopg

    url = postgres.new_database()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    line = one_line_error(impact("index", "sync", "--db", url))
    assert "is not an impact index (it holds tables of its own: notes)" in line
    with psycopg.connect(url, autocommit=True) as conn:
        tables = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        assert [t[0] for t in tables] == ["notes"]


def test_the_index_of_another_deployment_is_refused_and_left_as_it_was(world, node, new_target, tmp_path):
    target = new_target()
    index = open_index(world, target)
    Syncer(index).sync()
    before = index.digest()
    index.store.close()
    other = World(node.url)  # a second deployment on the same chain
    line = one_line_error(Impact(other, tmp_path / "other")("index", "sync", "--db", target))
    registry = world.deployment.address("SiteRegistry").lower()
    assert f"is the index of another deployment (chain {world.deployment.chain_id}, registry {registry})" in line
    assert open_index(world, target).digest() == before


def test_an_unreachable_postgresql_server_is_one_line(impact):
    url = f"postgresql://postgres:secret@127.0.0.1:{free_port()}/impact"
    for command in (["index", "sync"], ["index", "status"], ["trace", "--investor", impact.world.investors[0]]):
        line = one_line_error(impact(*command, "--db", url))
        assert "cannot connect to the index database postgresql://postgres:***@127.0.0.1" in line
        assert "secret" not in line


def test_a_folder_is_not_an_index(tmp_path):
    with pytest.raises(StoreError, match="is a folder, not an index database"):
        open_store(tmp_path)


def test_an_index_of_another_schema_version_is_rebuilt_and_says_so(world, new_target, capsys):
    target = new_target()
    index = open_index(world, target)
    Syncer(index).sync()
    clean = index.digest()
    index.store.execute('UPDATE "meta" SET "value" = \'0\' WHERE "key" = \'schema_version\'')
    index.store.execute('CREATE TABLE "left_by_version_0" ("x" TEXT)')
    index.store.execute('UPDATE "meta" SET "value" = \'["left_by_version_0"]\' WHERE "key" = \'tables\'')
    index.store.close()
    messages = []
    from impact.index.database import EventIndex

    rebuilt = EventIndex.open(open_store(target), world.deployment, world.w3, notify=messages.append)
    assert len(messages) == 1 and "was built with schema version 0" in messages[0] and "rebuilding it" in messages[0]
    assert "left_by_version_0" not in rebuilt.store.table_names()
    assert rebuilt.state().synced_to == rebuilt.start - 1  # empty: nothing of version 0 is read
    Syncer(rebuilt).sync()
    assert rebuilt.digest() == clean
