from odoo import api, fields, models
from odoo.exceptions import ValidationError


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
    sat_classify_threshold = fields.Float(
        string="Classification Threshold",
        default=0.5,
        help="A new case from a mail gets the category learned from past cases when "
        "the classifier is at least this sure (0-1); otherwise it is left for a "
        "person to classify.",
    )

    @api.constrains("sat_classify_threshold")
    def _check_sat_classify_threshold(self):
        for company in self:
            if not 0 <= company.sat_classify_threshold <= 1:
                raise ValidationError(
                    self.env._(
                        "The classification threshold is a share between 0 % and 100 %."
                    )
                )
