from odoo import models


class AccountMoveReversal(models.TransientModel):
    _inherit = "account.move.reversal"

    def reverse_moves(self, is_modify=False):
        """A credit note started from a support case is that case's refund."""
        action = super().reverse_moves(is_modify=is_modify)
        case = self.env["sat.case"].browse(self.env.context.get("sat_refund_case_id"))
        refunds = self.new_move_ids.filtered(lambda m: m.move_type == "out_refund")
        if case and refunds:
            refunds.sat_refund_case_id = case
            case.message_post(
                body=self.env._(
                    "Credit note %(refunds)s for %(invoices)s created.",
                    refunds=", ".join(refunds.mapped(lambda m: m.name or "/")),
                    invoices=", ".join(self.move_ids.mapped("name")),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return action
