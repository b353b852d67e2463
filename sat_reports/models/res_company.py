from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    sat_repeat_window_days = fields.Integer(
        string="Repeat Failure Window (days)",
        default=90,
        help="A case on a serial number that had another case this many days before "
        "or fewer is a repeat failure.",
    )

    @api.constrains("sat_repeat_window_days")
    def _check_sat_repeat_window_days(self):
        if any(company.sat_repeat_window_days < 1 for company in self):
            raise ValidationError(
                self.env._("The repeat failure window must be at least one day.")
            )
