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
    previous_date_received = fields.Datetime(
        string="Previous Case Received on", readonly=True
    )
    days_between = fields.Integer(
        string="Days Since Previous Case", aggregator="avg", readonly=True
    )
    repeat_count = fields.Integer(string="# Repeat Failures", readonly=True)

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT c.id AS id,
                   c.id AS case_id,
                   c.company_id,
                   c.lot_id,
                   c.product_id,
                   c.partner_id,
                   c.team_id,
                   c.user_id,
                   c.category_id,
                   c.date_received,
                   previous.id AS previous_case_id,
                   previous.date_received AS previous_date_received,
                   c.date_received::date - previous.date_received::date
                       AS days_between,
                   1 AS repeat_count
              FROM sat_case c
              JOIN res_company company ON company.id = c.company_id
              JOIN LATERAL (
                  SELECT p.id, p.date_received
                    FROM sat_case p
                   WHERE p.lot_id = c.lot_id AND p.active
                     AND (p.date_received, p.id) < (c.date_received, c.id)
                   ORDER BY p.date_received DESC, p.id DESC
                   LIMIT 1
              ) previous ON TRUE
             WHERE c.active AND c.lot_id IS NOT NULL
               AND c.date_received::date - previous.date_received::date
                   <= company.sat_repeat_window_days
            """
        )
