from odoo import fields, models
from odoo.tools import SQL

from odoo.addons.sat_support.models.sat_case import PRIORITIES
from odoo.addons.sat_support.models.sat_case_type_mixin import CASE_TYPES


class SatCaseReport(models.Model):
    """One row per support case, with the figures a manager adds up: a SQL view, so
    that pivots and graphs over years of cases are one grouped query."""

    _name = "sat.case.report"
    _inherit = ["sat.case.type.mixin"]
    _description = "Support Case Statistics"
    _auto = False
    _rec_name = "reference"
    _order = "date_received desc"

    case_id = fields.Many2one("sat.case", readonly=True)
    reference = fields.Char(readonly=True)
    name = fields.Char(string="Subject", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    date_received = fields.Datetime(string="Received on", readonly=True)
    date_closed = fields.Datetime(string="Closed on", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    product_categ_id = fields.Many2one(
        "product.category", string="Product Category", readonly=True
    )
    lot_id = fields.Many2one("stock.lot", string="Serial Number", readonly=True)
    category_id = fields.Many2one(
        "sat.case.category", string="Case Category", readonly=True
    )
    case_type = fields.Selection(CASE_TYPES, string="Type", readonly=True)
    priority = fields.Selection(PRIORITIES, string="Criticality", readonly=True)
    team_id = fields.Many2one("sat.team", readonly=True)
    user_id = fields.Many2one("res.users", string="Responsible", readonly=True)
    stage_id = fields.Many2one("sat.case.stage", readonly=True)
    is_closed = fields.Boolean(string="Closed", readonly=True)
    is_cancel = fields.Boolean(string="Cancelled", readonly=True)
    nbr = fields.Integer(string="# Cases", readonly=True)
    hours_first_response = fields.Float(
        string="Hours to First Response",
        aggregator="avg",
        readonly=True,
        help="From reception to the case's First Response: the first public answer "
        "of a staff member, as the SLA policies count it.",
    )
    hours_to_close = fields.Float(
        string="Hours to Close", aggregator="avg", readonly=True
    )
    work_hours_to_close = fields.Float(
        string="Working Hours to Close", aggregator="avg", readonly=True
    )
    sla_met = fields.Integer(string="SLA Met", readonly=True)
    sla_breached = fields.Integer(string="SLA Breached", readonly=True)
    supplies_cost = fields.Monetary(
        readonly=True, help="Quantities of the supplies at their product's cost."
    )
    amount_invoiced = fields.Monetary(
        string="Invoiced (untaxed)",
        readonly=True,
        help="Untaxed amount of the case's lines in posted invoices, credit notes "
        "deducted.",
    )
    amount_invoiced_total = fields.Monetary(
        string="Invoiced (tax incl.)",
        readonly=True,
        help="The same lines with their taxes, as the invoice shows them.",
    )
    amount_paid = fields.Monetary(
        string="Paid (tax incl.)",
        readonly=True,
        help="What was paid of the case's invoices. An invoice grouping several "
        "cases is shared out by the amounts of their lines, as on the case.",
    )
    rating = fields.Float(
        string="Customer Rating",
        aggregator="avg",
        readonly=True,
        help="The customer's last rating of the case: 5 satisfied, 3 okay, 1 "
        "dissatisfied; empty when not rated (not counted in averages).",
    )
    amount_due = fields.Monetary(
        string="Due (tax incl.)",
        readonly=True,
        help="What is left to pay of the case's invoices: the case's Amount Due.",
    )

    @property
    def _table_query(self):
        return SQL("%s %s %s", self._select(), self._from(), self._where())

    def _select(self):
        return SQL(
            """
            SELECT c.id AS id,
                   c.id AS case_id,
                   c.reference,
                   c.name,
                   c.company_id,
                   company.currency_id,
                   c.date_received,
                   c.date_closed,
                   c.partner_id,
                   partner.country_id,
                   c.product_id,
                   template.categ_id AS product_categ_id,
                   c.lot_id,
                   c.category_id,
                   c.case_type,
                   c.priority,
                   c.team_id,
                   c.user_id,
                   c.stage_id,
                   COALESCE(c.is_closed, FALSE) AS is_closed,
                   COALESCE(c.is_cancel, FALSE) AS is_cancel,
                   1 AS nbr,
                   EXTRACT(EPOCH FROM c.date_first_response - c.date_received) / 3600
                       AS hours_first_response,
                   EXTRACT(EPOCH FROM c.date_closed - c.date_received) / 3600
                       AS hours_to_close,
                   CASE WHEN c.date_closed IS NOT NULL THEN c.work_hours_to_close END
                       AS work_hours_to_close,
                   COALESCE(sla.met, 0) AS sla_met,
                   COALESCE(sla.breached, 0) AS sla_breached,
                   COALESCE(supplies.cost, 0) AS supplies_cost,
                   COALESCE(invoiced.amount, 0) AS amount_invoiced,
                   COALESCE(invoiced.total, 0) AS amount_invoiced_total,
                   COALESCE(invoiced.total - invoiced.due, 0) AS amount_paid,
                   COALESCE(invoiced.due, 0) AS amount_due,
                   NULLIF(c.rating_last_value, 0) AS rating
            """
        )

    def _from(self):
        return SQL(
            """
            FROM sat_case c
            JOIN res_company company ON company.id = c.company_id
            LEFT JOIN res_partner partner ON partner.id = c.partner_id
            LEFT JOIN product_product product ON product.id = c.product_id
            LEFT JOIN product_template template ON template.id = product.product_tmpl_id
            LEFT JOIN LATERAL (
                SELECT count(*) FILTER (WHERE status.status = 'met') AS met,
                       count(*) FILTER (WHERE status.status = 'breached') AS breached
                  FROM sat_case_sla status
                 WHERE status.case_id = c.id
            ) sla ON TRUE
            LEFT JOIN LATERAL (
                SELECT sum(line.quantity * COALESCE(
                           (supply.standard_price ->> c.company_id::text)::numeric, 0
                       )) AS cost
                  FROM sat_case_line line
                  JOIN product_product supply ON supply.id = line.product_id
                 WHERE line.case_id = c.id
            ) supplies ON TRUE
            LEFT JOIN LATERAL (
                -- The case's share of each invoice, as sat.case computes its
                -- amount due: its lines' total with taxes over the invoice's.
                SELECT sum(-item.balance) AS amount,
                       sum(share.ratio * move.amount_total_signed) AS total,
                       sum(share.ratio * move.amount_residual_signed) AS due
                  FROM sat_case_line line
                  JOIN account_move_line item ON item.sat_case_line_id = line.id
                  JOIN account_move move ON move.id = item.move_id
                  CROSS JOIN LATERAL (
                      SELECT CASE WHEN move.amount_total = 0 THEN 0
                                  ELSE item.price_total / move.amount_total
                             END AS ratio
                  ) share
                 WHERE line.case_id = c.id AND move.state = 'posted'
                   AND move.move_type IN ('out_invoice', 'out_refund')
            ) invoiced ON TRUE
            """
        )

    def _where(self):
        return SQL("WHERE c.active")
