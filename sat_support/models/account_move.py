from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    sat_case_ids = fields.Many2many(
        "sat.case",
        string="Support Cases",
        compute="_compute_sat_case_ids",
        groups="sat_support.group_sat_user",
    )
    sat_case_count = fields.Integer(
        compute="_compute_sat_case_ids", groups="sat_support.group_sat_user"
    )
    sat_refund_case_id = fields.Many2one(
        "sat.case",
        string="Refund for Case",
        index="btree_not_null",
        copy=False,
        help="The support case this credit note refunds the customer for.",
    )

    @api.depends("invoice_line_ids.sat_case_line_id")
    def _compute_sat_case_ids(self):
        for move in self:
            move.sat_case_ids = move.invoice_line_ids.sat_case_line_id.case_id
            move.sat_case_count = len(move.sat_case_ids)

    def action_view_sat_cases(self):
        self.ensure_one()
        return self.sat_case_ids._get_records_action(name=self.env._("Support Cases"))
