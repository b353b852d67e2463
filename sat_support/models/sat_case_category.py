from odoo import fields, models


class SatCaseCategory(models.Model):
    _name = "sat.case.category"
    _description = "Support Case Category"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    team_id = fields.Many2one(
        "sat.team",
        help="Team that handles the cases of this category.",
    )
    company_id = fields.Many2one("res.company")
