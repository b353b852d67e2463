from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    sat_invoice_on_close = fields.Boolean(
        string="Invoice Billable Cases on Close",
        default=True,
        help="Closing a billable case with supplies creates its customer invoice.",
    )
    sat_invoice_auto_post = fields.Boolean(
        string="Post Case Invoices",
        help="Case invoices are posted at once, ready for payment, instead of left "
        "in draft for the accountant to review.",
    )
