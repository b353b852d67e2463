from odoo import fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    sat_case_id = fields.Many2one(
        "sat.case", string="Support Case", index="btree_not_null", copy=False
    )
