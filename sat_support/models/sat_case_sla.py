from collections import defaultdict

from odoo import api, fields, models

from ..batch_reads import batch_read

SLA_STATUSES = [
    ("on_track", "On Track"),
    ("at_risk", "At Risk"),
    ("breached", "Breached"),
    ("met", "Met"),
]


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

    # Fields of a case that decide which SLA policies govern it.
    _CASE_FIELDS = {
        "priority",
        "category_id",
        "team_id",
        "case_type",
        "partner_id",
        "company_id",
        "date_received",
    }

    # ------------------------------------------------------------------ cases
    @api.model
    def _update_for_cases(self, cases, fnames=None):
        """The statuses of ``cases`` follow them: the one call a case makes, once
        created (``fnames`` None) and after each write of ``fnames``."""
        fnames = None if fnames is None else set(fnames)
        if fnames is None or self._CASE_FIELDS & fnames:
            self._apply_policies(
                cases, reset=bool(fnames and "date_received" in fnames)
            )
        if fnames and "stage_id" in fnames:
            self._follow_stage(cases)
        if fnames and "date_first_response" in fnames:
            cases.sudo().sla_ids.filtered(
                lambda s: not s.reached_date and s.sla_id.target == "first_response"
            )._reach()

    @api.model
    def _apply_policies(self, cases, reset=False):
        """Matches the SLA policies of open cases: new policies start counting from
        reception, policies that no longer apply are dropped unless reached."""
        Status = self.sudo()
        open_cases = cases.filtered(lambda c: not c.is_closed)
        Policy = self.env["sat.sla"].sudo()
        company_ids = open_cases.company_id.ids
        policies = Policy.browse(
            batch_read(
                self.env,
                ("sat.sla", tuple(company_ids)),
                lambda: Policy.search([("company_id", "in", company_ids)]).ids,
            )
        )
        running = open_cases.sudo().sla_ids.filtered(lambda s: not s.reached_date)
        stale = (
            running
            if reset
            else running.filtered(lambda s: not s.sla_id._applies_to(s.case_id))
        )
        stale.unlink()
        pairs = []
        for case in open_cases:
            current = case.sudo().sla_ids.sla_id
            pairs += [
                (case, sla)
                for sla in policies
                if sla not in current and sla._applies_to(case)
            ]
        created = Status.create(Status._prepare_values(pairs))
        created.filtered(lambda s: s.sla_id._is_reached_by(s.case_id))._reach()
        # A case received long ago is at risk, or late, from its creation on.
        now = fields.Datetime.now()
        due = created.filtered(lambda s: not s.reached_date and s.warning_date <= now)
        if due:
            Status._check_sla(due.ids)

    @api.model
    def _follow_stage(self, cases):
        """A stage change: reached, paused, resumed; dropped when cancelled."""
        statuses = cases.sudo().sla_ids.filtered(lambda s: not s.reached_date)
        cancelled = statuses.filtered(lambda s: s.case_id.is_cancel)
        cancelled.unlink()
        statuses -= cancelled
        reached = statuses.filtered(lambda s: s.sla_id._is_reached_by(s.case_id))
        reached._reach()
        statuses -= reached
        paused = statuses.filtered(
            lambda s: s.case_id.stage_id in s.sla_id.exclude_stage_ids
        )
        paused.filtered(lambda s: not s.paused_since)._pause()
        (statuses - paused).filtered("paused_since")._resume()

    # ------------------------------------------------------------------ planning
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
                    (case.date_received, sla.work_hours),
                    (case.date_received, sla.work_hours * sla.warning_ratio / 100),
                ]
            planned = calendar._sat_plan_hours(requests)
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

    # ------------------------------------------------------------------ life cycle
    def _pause(self):
        now = fields.Datetime.now()
        for status in self:
            hours, warning_hours = status.sla_id.calendar_id._sat_work_hours(
                [(now, status.deadline), (now, status.warning_date)]
            )
            status.write(
                {
                    "paused_since": now,
                    "paused_hours": hours,
                    "paused_warning_hours": warning_hours,
                }
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
            planned = calendar._sat_plan_hours(requests)
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
