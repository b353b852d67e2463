import bisect
from datetime import timedelta

from pytz import utc

from odoo import models

from ..batch_reads import batch_read


def _aware(value):
    return value.replace(tzinfo=utc) if not value.tzinfo else value


def _naive(value):
    return value.astimezone(utc).replace(tzinfo=None)


class ResourceCalendar(models.Model):
    _inherit = "resource.calendar"

    def _sat_intervals(self, start, stop):
        """The working intervals (attendances minus leaves and public holidays) over
        the whole days from ``start`` to ``stop``, read once per group of mails."""
        self.ensure_one()
        first = _aware(start).replace(hour=0, minute=0, second=0, microsecond=0)
        last = _aware(stop).replace(
            hour=0, minute=0, second=0, microsecond=0
        ) + timedelta(days=1)
        return batch_read(
            self.env,
            ("resource.calendar", self.id, first, last),
            lambda: [
                (begin, end)
                for begin, end, _meta in self._work_intervals_batch(first, last)[False]
            ],
        )

    @staticmethod
    def _sat_scan(intervals, start, end=None):
        """The one walk over working intervals: ``(begin, stop)`` of the working
        time from ``start`` (to ``end``), in order."""
        stops = [stop for _begin, stop in intervals]
        for begin, stop in intervals[bisect.bisect_right(stops, start) :]:
            if end is not None and begin >= end:
                return
            yield max(begin, start), stop if end is None else min(stop, end)

    def _sat_plan_hours(self, requests):
        """When ``hours`` working hours after ``start`` end, per ``(start, hours)``,
        from one read of the working intervals for all the requests."""
        self.ensure_one()
        if not requests:
            return []
        # Enough days for the longest request at a short working day (4 h, 5 days a
        # week) plus a week of holidays; a request beyond them is planned by Odoo.
        margin = timedelta(
            days=7 + max(hours for _start, hours in requests) / 4 * 7 / 5
        )
        intervals = self._sat_intervals(
            min(start for start, _hours in requests),
            max(start for start, _hours in requests) + margin,
        )
        results = []
        for start, hours in requests:
            left = hours
            for begin, stop in self._sat_scan(intervals, _aware(start)):
                span = (stop - begin).total_seconds() / 3600
                if left <= span:
                    results.append(_naive(begin + timedelta(hours=left)))
                    break
                left -= span
            else:
                results.append(
                    _naive(self.plan_hours(hours, _aware(start), compute_leaves=True))
                )
        return results

    def _sat_work_hours(self, spans):
        """Working hours within each ``(start, end)``, from one read of the working
        intervals for all the spans."""
        self.ensure_one()
        if not spans:
            return []
        intervals = self._sat_intervals(
            min(start for start, _end in spans), max(end for _start, end in spans)
        )
        return [
            sum(
                (stop - begin).total_seconds() / 3600
                for begin, stop in self._sat_scan(intervals, _aware(start), _aware(end))
            )
            if end > start
            else 0.0
            for start, end in spans
        ]
