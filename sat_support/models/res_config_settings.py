from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    sat_invoice_on_close = fields.Boolean(
        related="company_id.sat_invoice_on_close", readonly=False
    )
    sat_invoice_auto_post = fields.Boolean(
        related="company_id.sat_invoice_auto_post", readonly=False
    )
