from odoo import models


class StockReturnPicking(models.TransientModel):
    _inherit = "stock.return.picking"

    def _create_return(self):
        """A return started from a support case is that case's, and says so in its
        chatter."""
        new_picking = super()._create_return()
        case = self.env["sat.case"].browse(
            self.env.context.get("sat_after_sales_case_id")
        )
        if case:
            new_picking.sat_after_sales_case_id = case
            case.message_post(
                body=self.env._(
                    "Return %(picking)s of %(delivery)s created.",
                    picking=new_picking._get_html_link(),
                    delivery=self.picking_id.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return new_picking
