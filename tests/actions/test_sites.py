from datetime import date

from actions.sites import hours_on, pick_sites, upcoming_closures, week_summary
from connectors.sites import Closure, Site

LIBRARY = Site(
    id="central-library",
    name="Central Library",
    address="Market Square",
    opening_hours={
        "monday": "09:00-19:00", "tuesday": "09:00-19:00", "wednesday": "09:00-19:00", "thursday": "09:00-19:00",
        "friday": "09:00-17:30", "saturday": "10:00-16:00", "sunday": None,
    },
    closures=[Closure(date=date(2026, 12, 25), reason="Christmas Day")],
    url="https://www.fernbridge.gov.example/libraries/central",
)


def test_week_summary_groups_days_with_the_same_hours():
    assert week_summary(LIBRARY.opening_hours) == (
        "Monday to Thursday 9am to 7pm; Friday 9am to 5:30pm; Saturday 10am to 4pm; Sunday closed"
    )


def test_a_holiday_closure_overrides_the_usual_hours():
    assert hours_on(LIBRARY, date(2026, 12, 25)) == "closed (Christmas Day)"
    assert hours_on(LIBRARY, date(2026, 12, 24)) == "9am to 7pm"
    assert hours_on(LIBRARY, date(2026, 12, 27)) == "closed"


def test_only_closures_in_the_next_three_weeks_are_mentioned():
    assert upcoming_closures(LIBRARY, date(2026, 12, 10)) == ["Friday 25 December (Christmas Day)"]
    assert upcoming_closures(LIBRARY, date(2026, 11, 1)) == []


def test_a_named_site_is_picked_and_an_unknown_name_falls_back_to_all():
    assert pick_sites([LIBRARY], "central") == ([LIBRARY], True)
    assert pick_sites([LIBRARY], "the library") == ([LIBRARY], True)
    assert pick_sites([LIBRARY], "Hogwarts") == ([LIBRARY], False)
