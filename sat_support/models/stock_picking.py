from odoo import fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    sat_case_id = fields.Many2one(
        "sat.case", string="Support Case", index="btree_not_null", copy=False
    )
    sat_after_sales_case_id = fields.Many2one(
        "sat.case",
        string="After-sales Case",
        index="btree_not_null",
        copy=False,
        help="The support case this return or replacement was made for.",
    )

    def _action_done(self):
        """The supplies a case takes are no shipment to the customer: no "your order
        has been shipped" SMS (``stock_sms`` reads ``skip_sms``), whoever validates
        them."""
        supplies = self.filtered("sat_case_id")
        if not supplies:
            return super()._action_done()
        others = self - supplies
        if others:
            super(StockPicking, others)._action_done()
        return super(StockPicking, supplies.with_context(skip_sms=True))._action_done()

    def _pre_action_done_hook(self):
        # No "send an SMS?" question when a user validates a case's supplies.
        supplies_only = self and all(self.mapped("sat_case_id"))
        pickings = self.with_context(skip_sms=True) if supplies_only else self
        return super(StockPicking, pickings)._pre_action_done_hook()

    def _send_confirmation_email(self):
        # Nor the shipping mail.
        return super(
            StockPicking, self.filtered(lambda picking: not picking.sat_case_id)
        )._send_confirmation_email()
