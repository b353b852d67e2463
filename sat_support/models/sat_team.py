from odoo import api, fields, models


class SatTeam(models.Model):
    _name = "sat.team"
    _description = "Support Team"
    _inherit = ["mail.thread"]
    _order = "sequence, name"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Team Leader",
        domain=[("share", "=", False)],
        tracking=True,
    )
    member_ids = fields.Many2many(
        "res.users",
        "sat_team_member_rel",
        "team_id",
        "user_id",
        string="Members",
        domain=[("share", "=", False)],
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        check_company=True,
        help="Where the team's supplies are taken from; the company's first "
        "warehouse when empty.",
    )
    case_ids = fields.One2many("sat.case", "team_id", string="Cases")
    open_case_count = fields.Integer(compute="_compute_open_case_count")

    @api.depends("case_ids.stage_id")
    def _compute_open_case_count(self):
        counts = dict(
            self.env["sat.case"]._read_group(
                [("team_id", "in", self.ids), ("is_closed", "=", False)],
                ["team_id"],
                ["__count"],
            )
        )
        for team in self:
            team.open_case_count = counts.get(team, 0)

    def action_view_open_cases(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sat_support.sat_case_action"
        )
        action["domain"] = [("team_id", "=", self.id)]
        action["context"] = {
            "default_team_id": self.id,
            "search_default_filter_open": 1,
        }
        return action
