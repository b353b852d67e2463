from odoo import fields, models


class StockMove(models.Model):
    _inherit = "stock.move"

    sat_case_line_id = fields.Many2one(
        "sat.case.line",
        string="Support Case Supply",
        index="btree_not_null",
        copy=False,
    )
