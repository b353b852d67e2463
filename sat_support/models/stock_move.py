from odoo import fields, models


class StockMove(models.Model):
    _inherit = "stock.move"

    sat_case_line_id = fields.Many2one(
        "sat.case.line",
        string="Support Case Supply",
        index="btree_not_null",
        copy=False,
    )

    def _prepare_merge_moves_distinct_fields(self):
        # Two supplies of one product stay two moves, each consuming its own line
        # (as sale_stock keeps sale lines apart): merged, one line lost its move.
        return [*super()._prepare_merge_moves_distinct_fields(), "sat_case_line_id"]
