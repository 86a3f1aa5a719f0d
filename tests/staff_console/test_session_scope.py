import pytest
from sqlalchemy import select

from staff_console.db import AuditEntry, make_engine, make_sessions, session_scope


def test_a_unit_of_work_commits_or_rolls_back_and_always_releases_the_session(tmp_path):
    sessions = make_sessions(make_engine(f"sqlite:///{tmp_path / 'console.db'}"))
    with session_scope(sessions) as session:
        session.add(AuditEntry(username="alice", action="train", detail="kept"))
    assert not sessions.registry.has()  # released
    with pytest.raises(RuntimeError), session_scope(sessions) as session:
        session.add(AuditEntry(username="alice", action="train", detail="rolled back"))
        raise RuntimeError("training failed")
    assert not sessions.registry.has()
    with session_scope(sessions) as session:
        assert session.execute(select(AuditEntry.detail)).scalars().all() == ["kept"]
