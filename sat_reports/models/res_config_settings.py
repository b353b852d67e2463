from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    sat_repeat_window_days = fields.Integer(
        related="company_id.sat_repeat_window_days", readonly=False
    )
