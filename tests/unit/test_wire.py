"""One wire format per Finch field: date-times are UTC with milliseconds and `Z`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from finch_sandbox.api.schemas.wire import wire_datetime, wire_value


def test_date_times_have_milliseconds_and_z() -> None:
    assert wire_datetime(datetime(2026, 11, 2, 16, 0, tzinfo=UTC)) == "2026-11-02T16:00:00.000Z"
    assert (
        wire_datetime(datetime(2026, 11, 2, 16, 0, 1, 123456, tzinfo=UTC))
        == "2026-11-02T16:00:01.123Z"
    )
    assert wire_datetime(None) is None


def test_values_handed_over_by_services_are_mapped() -> None:
    moment = datetime(2026, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=1)))
    assert wire_value(moment.astimezone(UTC)) == "2026-01-01T00:00:00.000Z"
    assert wire_value(date(2026, 1, 2)) == "2026-01-02"
    assert wire_value(3) == 3
