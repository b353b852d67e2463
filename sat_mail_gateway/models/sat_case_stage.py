from odoo import fields, models


class SatCaseStage(models.Model):
    _inherit = "sat.case.stage"

    reply_stage_id = fields.Many2one(
        "sat.case.stage",
        string="Stage on Customer Reply",
        help="When the customer answers a case in this stage, by mail or on the "
        "portal, the case moves to that stage (e.g. from Waiting Customer back to In "
        "Progress).",
    )
