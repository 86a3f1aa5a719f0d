from datetime import date

from actions import clock
from actions.council import friendly_date


def test_fixed_clock_is_read_as_london_time(monkeypatch):
    monkeypatch.setenv("ACTIONS_NOW", "2026-12-02T00:30:00")
    assert clock.today() == date(2026, 12, 2)
    monkeypatch.setenv("ACTIONS_NOW", "2026-06-30T23:30:00Z")  # 00:30 on 1 July in London (BST)
    assert clock.today() == date(2026, 7, 1)


def test_friendly_date_is_relative_to_the_fixed_clock(monkeypatch):
    monkeypatch.setenv("ACTIONS_NOW", "2026-12-01T10:00:00")
    assert friendly_date(date(2026, 12, 2)) == "tomorrow (Wednesday 2 December)"
    monkeypatch.setenv("ACTIONS_NOW", "2026-12-02T10:00:00")
    assert friendly_date(date(2026, 12, 2)) == "today (Wednesday 2 December)"
    monkeypatch.setenv("ACTIONS_NOW", "2026-11-20T10:00:00")
    assert friendly_date(date(2026, 12, 2)) == "Wednesday 2 December"
