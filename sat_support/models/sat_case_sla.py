import bisect
from collections import defaultdict
from datetime import timedelta

from pytz import utc

from odoo import api, fields, models

from ..batch_reads import batch_read

SLA_STATUSES = [
    ("on_track", "On Track"),
    ("at_risk", "At Risk"),
    ("breached", "Breached"),
    ("met", "Met"),
]


def _aware(value):
    return value.replace(tzinfo=utc) if not value.tzinfo else value


def _naive(value):
    return value.astimezone(utc).replace(tzinfo=None)


class SatCaseSla(models.Model):
    _name = "sat.case.sla"
    _description = "Support Case SLA Status"
    _order = "deadline, id"

    case_id = fields.Many2one("sat.case", required=True, index=True, ondelete="cascade")
    sla_id = fields.Many2one(
        "sat.sla", string="SLA Policy", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="case_id.company_id", store=True)
    target = fields.Selection(related="sla_id.target")
    target_stage_id = fields.Many2one(related="sla_id.stage_id")
    deadline = fields.Datetime(required=True, index=True)
    warning_date = fields.Datetime(required=True)
    status = fields.Selection(
        SLA_STATUSES, default="on_track", required=True, index=True
    )
    reached_date = fields.Datetime(string="Reached on")
    paused_since = fields.Datetime(help="The clock is stopped since then.")
    paused_hours = fields.Float(help="Working hours that were left to the deadline.")
    paused_warning_hours = fields.Float(
        help="Working hours that were left to the warning."
    )

    _sql_constraints = [
        (
            "case_sla_uniq",
            "UNIQUE(case_id, sla_id)",
            "A case has one status per policy.",
        ),
    ]

    # ------------------------------------------------------------------ planning
    @api.model
    def _plan(self, calendar, requests):
        """When ``hours`` working hours after ``start`` end, per ``(start, hours)``.

        Reads the calendar's working intervals (attendances minus leaves and public
        holidays) once for all the requests instead of once per case."""
        if not requests:
            return []
        first = min(start for start, _hours in requests)
        # Enough days for the longest request at a short working day (4 h, 5 days a
        # week) plus a week of holidays; a request beyond them is planned by Odoo.
        margin = timedelta(
            days=7 + max(hours for _start, hours in requests) / 4 * 7 / 5
        )
        last = max(start for start, _hours in requests) + margin
        intervals = self._intervals(calendar, first, last)
        stops = [stop for _start, stop in intervals]
        results = []
        for start, hours in requests:
            start = _aware(start)
            left = hours
            for begin, stop in intervals[bisect.bisect_right(stops, start) :]:
                begin = max(begin, start)
                span = (stop - begin).total_seconds() / 3600
                if left <= span:
                    results.append(_naive(begin + timedelta(hours=left)))
                    break
                left -= span
            else:
                results.append(
                    _naive(calendar.plan_hours(hours, start, compute_leaves=True))
                )
        return results

    @api.model
    def _intervals(self, calendar, start, stop):
        """The working intervals of ``calendar`` (attendances minus leaves and public
        holidays) over the days from ``start`` to ``stop``."""
        # Whole days, so that the mails of a batch share one read.
        first = _aware(start).replace(hour=0, minute=0, second=0, microsecond=0)
        last = _aware(stop).replace(
            hour=0, minute=0, second=0, microsecond=0
        ) + timedelta(days=1)
        return batch_read(
            self.env,
            ("resource.calendar", calendar.id, first, last),
            lambda: self._read_intervals(calendar, first, last),
        )

    @api.model
    def _read_intervals(self, calendar, start, stop):
        return [
            (begin, end)
            for begin, end, _meta in calendar._work_intervals_batch(
                _aware(start), _aware(stop)
            )[False]
        ]

    @api.model
    def _prepare_values(self, pairs):
        """Values of the statuses of ``[(case, sla)]``, counted from reception."""
        by_calendar = defaultdict(list)
        for case, sla in pairs:
            by_calendar[sla.calendar_id].append((case, sla))
        vals_list = []
        for calendar, group in by_calendar.items():
            requests = []
            for case, sla in group:
                requests += [
                    (case.date_received, sla.time),
                    (case.date_received, sla.time * sla.warning_ratio / 100),
                ]
            planned = self._plan(calendar, requests)
            for index, (case, sla) in enumerate(group):
                vals_list.append(
                    {
                        "case_id": case.id,
                        # Given, not recomputed after the insert.
                        "company_id": case.company_id.id,
                        "sla_id": sla.id,
                        "deadline": planned[2 * index],
                        "warning_date": planned[2 * index + 1],
                    }
                )
        return vals_list

    @api.model
    def _work_hours(self, calendar, spans):
        """Working hours of ``calendar`` within each ``(start, end)``, from one read of
        its working intervals over all the spans."""
        if not spans:
            return []
        intervals = self._intervals(
            calendar,
            min(start for start, _end in spans),
            max(end for _start, end in spans),
        )
        stops = [stop for _start, stop in intervals]
        results = []
        for start, end in spans:
            start, end, hours = _aware(start), _aware(end), 0.0
            for begin, stop in intervals[bisect.bisect_right(stops, start) :]:
                if begin >= end:
                    break
                hours += (min(stop, end) - max(begin, start)).total_seconds() / 3600
            results.append(hours)
        return results

    # ------------------------------------------------------------------ life cycle
    def _pause(self):
        now = fields.Datetime.now()
        for status in self:
            calendar = status.sla_id.calendar_id
            status.write(
                {
                    "paused_since": now,
                    "paused_hours": self._hours_between(calendar, now, status.deadline),
                    "paused_warning_hours": self._hours_between(
                        calendar, now, status.warning_date
                    ),
                }
            )

    @api.model
    def _hours_between(self, calendar, start, end):
        if end <= start:
            return 0.0
        return calendar.get_work_hours_count(
            _aware(start), _aware(end), compute_leaves=True
        )

    def _resume(self):
        now = fields.Datetime.now()
        for calendar, statuses in self.grouped(lambda s: s.sla_id.calendar_id).items():
            requests = []
            for status in statuses:
                requests += [
                    (now, status.paused_hours),
                    (now, status.paused_warning_hours),
                ]
            planned = self._plan(calendar, requests)
            for index, status in enumerate(statuses):
                status.write(
                    {
                        "deadline": planned[2 * index],
                        "warning_date": planned[2 * index + 1],
                        "paused_since": False,
                    }
                )

    def _reach(self):
        now = fields.Datetime.now()
        late = self.filtered(lambda s: s.status == "breached" or s.deadline < now)
        late.write({"reached_date": now, "status": "breached", "paused_since": False})
        (self - late).write(
            {"reached_date": now, "status": "met", "paused_since": False}
        )

    # ------------------------------------------------------------------ warnings
    @api.model
    def _cron_check_sla(self):
        """Moves statuses to at risk and breached, and warns once per case and policy.

        One query selects what changed; ``SKIP LOCKED`` lets a second cron worker
        running at the same time skip the rows the first one is handling."""
        return self._check_sla()

    @api.model
    def _check_sla(self, ids=None):
        now = fields.Datetime.now()
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT id, deadline <= %(now)s
              FROM sat_case_sla
             WHERE reached_date IS NULL AND paused_since IS NULL
               AND ((status = 'on_track' AND warning_date <= %(now)s)
                    OR (status IN ('on_track', 'at_risk') AND deadline <= %(now)s))
               AND (%(all)s OR id = ANY(%(ids)s))
             ORDER BY id
               FOR NO KEY UPDATE SKIP LOCKED
            """,
            {"now": now, "all": ids is None, "ids": list(ids or [])},
        )
        rows = self.env.cr.fetchall()
        breached = self.browse([row_id for row_id, late in rows if late])
        at_risk = self.browse([row_id for row_id, late in rows if not late])
        at_risk.write({"status": "at_risk"})
        breached.write({"status": "breached"})
        at_risk._warn("at_risk")
        breached._warn("breached")
        return at_risk | breached

    def _warn(self, status):
        """An activity (Odoo mails it to its assignee) for the responsible when at
        risk, for the team leader when breached: one per case and person."""
        if not self:
            return
        activity_type = self.env.ref("sat_support.mail_activity_type_sla_warning")
        model_id = self.env["ir.model"]._get_id("sat.case")
        warnings = defaultdict(lambda: self.browse())
        for line in self:
            case = line.case_id
            leader = case.team_id.user_id
            user = (
                (case.user_id or leader)
                if status == "at_risk"
                else (leader or case.user_id)
            )
            if user:
                warnings[case, user] |= line
        vals_list = [
            {
                "res_model_id": model_id,
                "res_id": case.id,
                "activity_type_id": activity_type.id,
                "user_id": user.id,
                "date_deadline": fields.Date.context_today(
                    case, min(lines.mapped("deadline"))
                ),
                "summary": "; ".join(
                    self._warning_summary(line, status) for line in lines
                ),
            }
            for (case, user), lines in warnings.items()
        ]
        if vals_list:
            self.env["mail.activity"].sudo().create(vals_list)

    @api.model
    def _warning_summary(self, line, status):
        if status == "at_risk":
            return self.env._(
                "SLA at risk: %(sla)s, due %(deadline)s",
                sla=line.sla_id.name,
                deadline=fields.Datetime.to_string(line.deadline),
            )
        return self.env._(
            "SLA breached: %(sla)s, was due %(deadline)s",
            sla=line.sla_id.name,
            deadline=fields.Datetime.to_string(line.deadline),
        )
