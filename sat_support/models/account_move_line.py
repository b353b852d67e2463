from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    # Copied on purpose: a credit note made by reversal stays linked to the case.
    sat_case_line_id = fields.Many2one(
        "sat.case.line", string="Support Case Supply", index="btree_not_null"
    )
