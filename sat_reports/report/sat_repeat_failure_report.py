import pytz

from odoo import fields, models
from odoo.tools import SQL


class SatRepeatFailureReport(models.Model):
    """Cases on a serial number that had another case shortly before: the repair did
    not hold, or the unit keeps failing."""

    _name = "sat.repeat.failure.report"
    _description = "Repeat Failures per Serial Number"
    _auto = False
    _rec_name = "case_id"
    _order = "lot_id, date_received"

    case_id = fields.Many2one("sat.case", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    lot_id = fields.Many2one("stock.lot", string="Serial Number", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    team_id = fields.Many2one("sat.team", readonly=True)
    user_id = fields.Many2one("res.users", string="Responsible", readonly=True)
    category_id = fields.Many2one(
        "sat.case.category", string="Case Category", readonly=True
    )
    date_received = fields.Datetime(string="Received on", readonly=True)
    previous_case_id = fields.Many2one("sat.case", readonly=True)
    # The previous case may belong to a team the user does not see: its reference
    # is part of the row, never read through the case.
    previous_reference = fields.Char(string="Previous Case Reference", readonly=True)
    previous_date_received = fields.Datetime(
        string="Previous Case Received on", readonly=True
    )
    days_between = fields.Integer(
        string="Days Since Previous Case", aggregator="avg", readonly=True
    )
    repeat_count = fields.Integer(string="# Repeat Failures", readonly=True)
    under_warranty = fields.Boolean(
        readonly=True, help="The serial was under warranty when the case arrived."
    )

    @property
    def _table_query(self):
        # The previous case of the same serial by a window function: one sort of
        # the cases with a serial, where a subquery per case grew with the
        # serial's history.
        return SQL(
            """
            WITH serial_cases AS (
                SELECT c.id, c.company_id, c.lot_id, c.product_id, c.partner_id,
                       c.team_id, c.user_id, c.category_id, c.date_received,
                       lag(c.id) OVER serial AS previous_case_id,
                       lag(c.reference) OVER serial AS previous_reference,
                       lag(c.date_received) OVER serial AS previous_date_received
                  FROM sat_case c
                 WHERE c.active AND c.lot_id IS NOT NULL AND c.is_cancel IS NOT TRUE
                WINDOW serial AS (PARTITION BY c.lot_id ORDER BY c.date_received, c.id)
            )
            SELECT sc.id AS id,
                   sc.id AS case_id,
                   sc.company_id,
                   sc.lot_id,
                   sc.product_id,
                   sc.partner_id,
                   sc.team_id,
                   sc.user_id,
                   sc.category_id,
                   sc.date_received,
                   sc.previous_case_id,
                   sc.previous_reference,
                   sc.previous_date_received,
                   sc.date_received::date - sc.previous_date_received::date
                       AS days_between,
                   1 AS repeat_count,
                   COALESCE((sc.date_received AT TIME ZONE 'UTC'
                                 AT TIME ZONE %(tz)s)::date
                                BETWEEN lot.sat_warranty_start AND lot.sat_warranty_end,
                            FALSE) AS under_warranty
              FROM serial_cases sc
              JOIN res_company company ON company.id = sc.company_id
              JOIN stock_lot lot ON lot.id = sc.lot_id
             WHERE sc.previous_case_id IS NOT NULL
               AND sc.date_received::date - sc.previous_date_received::date
                   <= company.sat_repeat_window_days
            """,
            # The warranty's day as the cases' own (stock_lot.warranty_day).
            tz=self._get_tz(),
        )

    def _get_tz(self):
        tz = self.env.context.get("tz") or self.env.user.tz
        return tz if tz in pytz.all_timezones_set else "UTC"
