"""The traffic light arithmetic, without a database, on a fixed one-year window."""

from datetime import date

from tracker.progress import GREEN, GREY, RED, YELLOW, progress, schedule_percent

START, DUE = date(2026, 1, 1), date(2026, 12, 31)


def light(status="in_progress", percent=50, due=DUE, today=date(2026, 7, 2)):
    return progress(status=status, percent=percent, start=START, due=due, today=today).light


def test_schedule_is_the_share_of_the_window_that_has_passed():
    assert schedule_percent(START, DUE, date(2025, 12, 1)) == 0
    assert schedule_percent(START, DUE, date(2026, 7, 2)) == 50
    assert schedule_percent(START, DUE, DUE) == 100
    assert schedule_percent(START, None, date(2026, 7, 2)) is None


def test_on_schedule_is_green():
    assert light(percent=50) == GREEN


def test_ten_to_thirty_points_behind_is_yellow():
    assert light(percent=40) == YELLOW
    assert light(percent=20) == YELLOW


def test_more_than_thirty_points_behind_is_red():
    assert light(percent=19) == RED


def test_due_within_seven_days_is_yellow_even_when_on_schedule():
    assert light(percent=99, today=date(2026, 12, 24)) == YELLOW
    assert light(percent=99, today=date(2026, 12, 23)) == GREEN


def test_past_the_due_date_is_red_whatever_the_percent():
    assert light(percent=100, today=date(2027, 1, 1)) == RED
    assert progress(
        status="submitted", percent=100, start=START, due=DUE, today=date(2027, 1, 1)
    ).overdue


def test_submitted_in_time_is_green_and_not_overdue_while_it_waits_for_review():
    for submitted_on in (DUE, date(2026, 12, 1)):
        for today in (date(2026, 12, 28), date(2027, 1, 1), date(2027, 3, 1)):
            result = progress(
                status="submitted",
                percent=100,
                start=START,
                due=DUE,
                today=today,
                submitted_on=submitted_on,
            )
            assert result.light == GREEN and not result.overdue, (submitted_on, today)


def test_a_submission_after_the_due_date_was_late_and_stays_red():
    result = progress(
        status="submitted",
        percent=100,
        start=START,
        due=DUE,
        today=date(2027, 1, 5),
        submitted_on=date(2027, 1, 1),
    )
    assert result.light == RED and result.overdue


def test_a_verified_assignment_is_grey_and_never_overdue():
    result = progress(status="verified", percent=100, start=START, due=DUE, today=date(2027, 3, 1))
    assert result.light == GREY and not result.overdue


def test_a_long_term_assignment_is_green_unless_it_falls_behind_nothing():
    assert light(due=None, percent=0) == GREEN


def test_light_bounds_give_the_same_light_as_progress_for_every_percent():
    from datetime import timedelta

    from tracker.progress import light_bounds, light_from_bounds

    today = date(2026, 7, 2)
    windows = [(START, None)]
    for start_offset in (-400, -200, -61, -30, -7, -1, 0, 1, 10):
        for length in (0, 1, 6, 7, 8, 30, 59, 60, 61, 200, 365, 401):
            start = today + timedelta(days=start_offset)
            windows.append((start, start + timedelta(days=length)))
    checked = 0
    for start, due in windows:
        bounds = light_bounds(start=start, due=due, today=today)
        for status in ("not_started", "in_progress", "submitted"):
            for percent in range(101):
                expected = progress(
                    status=status, percent=percent, start=start, due=due, today=today
                ).light
                assert light_from_bounds(percent, bounds) == expected, (start, due, percent)
                checked += 1
    assert checked > 30_000
