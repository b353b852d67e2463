from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    sat_team_ids = fields.Many2many(
        "sat.team",
        string="Support Teams",
        compute="_compute_sat_team_ids",
        help="The support teams the user is a member or the leader of, archived or "
        "not: their cases are the user's (see the support cases' record rules).",
    )

    def _compute_sat_team_ids(self):
        teams = (
            self.env["sat.team"]
            .sudo()
            .with_context(active_test=False)
            .search(["|", ("member_ids", "in", self.ids), ("user_id", "in", self.ids)])
        )
        for user in self:
            user.sat_team_ids = teams.filtered(
                lambda team, user=user: user in team.member_ids or team.user_id == user
            )
