from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools.misc import format_amount


def _field_label(record, fname):
    return record._fields[fname]._description_string(record.env)


def _hours(value):
    """Hours as Odoo's float_time widget shows them: 5.5 → 05:30."""
    minutes = round(value * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _measured(average):
    # The average of no row is False or None; 0.0 is a measured value.
    return average is not None and average is not False


class SatReportDashboard(models.TransientModel):
    """The manager's figures at a glance, with the analyses one click away. Figures
    come from ``sat.case.report``, whose record rules give SAT users their teams'
    figures and SAT managers everyone's."""

    _name = "sat.report.dashboard"
    _description = "Support Dashboard"

    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id
    )
    open_count = fields.Integer(string="Open Cases", compute="_compute_kpis")
    breached_count = fields.Integer(
        string="Open Cases with a Breached SLA", compute="_compute_kpis"
    )
    month_received = fields.Integer(
        string="Received this Month", compute="_compute_kpis"
    )
    month_closed = fields.Integer(string="Closed this Month", compute="_compute_kpis")
    hours_to_close = fields.Float(
        string="Avg. Hours to Close (12 months)", compute="_compute_kpis"
    )
    hours_first_response = fields.Float(
        string="Avg. Hours to First Response (12 months)", compute="_compute_kpis"
    )
    warranty_cost = fields.Monetary(
        string="Warranty and Courtesy Cost (12 months)", compute="_compute_kpis"
    )
    amount_due = fields.Monetary(
        compute="_compute_kpis",
        help="Due on the invoices of the cases, open or closed: cases are invoiced "
        "when they close.",
    )
    # Nothing measured reads "–", never 0.
    has_first_response = fields.Boolean(compute="_compute_kpis")
    has_hours_to_close = fields.Boolean(compute="_compute_kpis")

    def _compute_display_name(self):
        self.display_name = self.env._("Support Dashboard")

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_kpis(self):
        Report = self.env["sat.case.report"]
        today = fields.Date.context_today(self)
        month = datetime.combine(today.replace(day=1), time.min)
        year = month - relativedelta(months=11)
        [[open_count]] = Report._read_group(
            [("is_closed", "=", False)], [], ["nbr:sum"]
        )
        [[due]] = Report._read_group([("amount_due", "!=", 0)], [], ["amount_due:sum"])
        [[breached]] = Report._read_group(
            [("is_closed", "=", False), ("sla_breached", ">", 0)], [], ["nbr:sum"]
        )
        [[received]] = Report._read_group(
            [("date_received", ">=", month)], [], ["nbr:sum"]
        )
        [[closed]] = Report._read_group([("date_closed", ">=", month)], [], ["nbr:sum"])
        [[to_close, first_response]] = Report._read_group(
            [("date_received", ">=", year)],
            [],
            ["hours_to_close:avg", "hours_first_response:avg"],
        )
        [[warranty]] = Report._read_group(
            [
                ("date_received", ">=", year),
                ("is_billable", "=", False),
            ],
            [],
            ["supplies_cost:sum"],
        )
        for dashboard in self:
            dashboard.open_count = open_count or 0
            dashboard.amount_due = due or 0.0
            dashboard.breached_count = breached or 0
            dashboard.month_received = received or 0
            dashboard.month_closed = closed or 0
            dashboard.hours_to_close = to_close or 0.0
            dashboard.hours_first_response = first_response or 0.0
            dashboard.has_first_response = _measured(first_response)
            dashboard.has_hours_to_close = _measured(to_close)
            dashboard.warranty_cost = warranty or 0.0

    @api.model
    @api.readonly
    def get_dashboard_data(self):
        """Figures and chart series for the dashboard client action: the user's
        figures (record rules of ``sat.case.report``), in one call, read only (on
        the read replica when Odoo has one)."""
        dashboard = self.new({})
        Report = self.env["sat.case.report"]
        today = fields.Date.context_today(self)
        year = datetime.combine(today.replace(day=1), time.min) - relativedelta(
            months=11
        )
        types = dict(Report._fields["case_type"]._description_selection(self.env))
        per_month = Report._read_group(
            [("date_received", ">=", year)],
            ["date_received:month", "case_type"],
            ["nbr:sum"],
        )
        months = [(year + relativedelta(months=i)).strftime("%Y-%m") for i in range(12)]
        series = {key: [0] * 12 for key in types}
        position = {month: index for index, month in enumerate(months)}
        for month, case_type, count in per_month:
            # A case received in the first hours of the period may fall, in the
            # user's time zone, in the month before: it is outside the chart.
            index = position.get(month.strftime("%Y-%m"))
            if index is not None:
                series[case_type][index] = count or 0
        per_team = Report._read_group(
            [("is_closed", "=", False)], ["team_id"], ["nbr:sum"], order="nbr:sum desc"
        )
        currency = dashboard.currency_id

        def amount(value):
            return format_amount(self.env, value, currency)

        def hours(value, measured):
            return _hours(value) if measured else "–"

        # (field, shown value, the analysis it opens)
        cards = [
            ("open_count", dashboard.open_count, "action_open_list"),
            ("breached_count", dashboard.breached_count, "action_open_breached"),
            ("month_received", dashboard.month_received, "action_open_graph"),
            ("month_closed", dashboard.month_closed, "action_open_graph"),
            (
                "hours_first_response",
                hours(dashboard.hours_first_response, dashboard.has_first_response),
                "action_open_pivot",
            ),
            (
                "hours_to_close",
                hours(dashboard.hours_to_close, dashboard.has_hours_to_close),
                "action_open_pivot",
            ),
            ("amount_due", amount(dashboard.amount_due), "action_open_list"),
            ("warranty_cost", amount(dashboard.warranty_cost), "action_open_pivot"),
        ]
        return {
            "kpis": [
                {
                    "name": fname,
                    "label": _field_label(dashboard, fname),
                    "value": value,
                    "action": action,
                    "danger": fname == "breached_count" and bool(value),
                }
                for fname, value, action in cards
            ],
            "months": months,
            "per_month": [
                {"label": types[key], "data": data} for key, data in series.items()
            ],
            "per_team": {
                "labels": [
                    team.display_name or self.env._("No team") for team, _n in per_team
                ],
                "data": [count or 0 for _team, count in per_team],
            },
        }

    def action_open_list(self):
        return self._open_analysis(
            self.env._("Open Cases"), "list", {"search_default_filter_open": 1}
        )

    @api.model
    def action_open_dashboard(self):
        """The dashboard's figures are computed when it is read: a record to show."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Support Dashboard"),
            "res_model": self._name,
            "res_id": self.create({}).id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def _open_analysis(self, name, view_type, context):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sat_reports.sat_case_report_action"
        )
        views = {kind: view_id for view_id, kind in action["views"]}
        kinds = [view_type] + [kind for kind in ("list",) if kind != view_type]
        action.update(
            name=name,
            display_name=name,
            views=[(views.get(kind), kind) for kind in kinds],
            context=context,
        )
        return action

    def action_open_graph(self):
        return self._open_analysis(
            self.env._("Cases per Month"),
            "graph",
            {
                "search_default_filter_last_12_months": 1,
                "graph_groupbys": ["date_received:month", "case_type"],
                "graph_mode": "bar",
                "graph_stacked": True,
            },
        )

    def action_open_pivot(self):
        return self._open_analysis(
            self.env._("Cases per Team and Category"),
            "pivot",
            {
                "search_default_filter_last_12_months": 1,
                "pivot_row_groupby": ["team_id"],
                "pivot_column_groupby": ["category_id"],
                "pivot_measures": ["nbr", "hours_to_close", "sla_breached"],
            },
        )

    def action_open_breached(self):
        return self._open_analysis(
            self.env._("Open Cases with a Breached SLA"),
            "list",
            {"search_default_filter_open": 1, "search_default_filter_breached": 1},
        )
