import ast
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL


class SatTeam(models.Model):
    _name = "sat.team"
    _description = "Support Team"
    _inherit = ["mail.alias.mixin.optional", "mail.thread"]
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
    assign_method = fields.Selection(
        [
            ("manual", "Manual"),
            ("round_robin", "Round Robin"),
            ("balanced", "Least Open Cases"),
        ],
        string="Assignment",
        default="manual",
        required=True,
        help="How new cases of the team get their responsible: by hand, each member "
        "in turn, or the member with the fewest open cases. Members on leave are "
        "skipped.",
    )
    notify_customer = fields.Boolean(
        string="Mail the Customer",
        default=True,
        help="Acknowledge new cases and announce stage changes to the customer by "
        "mail.",
    )
    alias_id = fields.Many2one(
        help="The team's support address: each mail to it becomes a case of the "
        "team, whose customer is the sender's company (or found by the sender's "
        "domain, or left to an agent)."
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

    @api.model_create_multi
    def create(self, vals_list):
        teams = super().create(vals_list)
        teams._create_round_robin_sequences()
        self._clear_rule_cache()
        return teams

    def write(self, vals):
        res = super().write(vals)
        if {"member_ids", "user_id", "active"} & set(vals):
            self._clear_rule_cache()
        return res

    def unlink(self):
        names = [team._round_robin_sequence() for team in self]
        res = super().unlink()
        for name in names:
            self.env.cr.execute(SQL("DROP SEQUENCE IF EXISTS %s", SQL.identifier(name)))
        self._clear_rule_cache()
        return res

    @api.model
    def _clear_rule_cache(self):
        """The cases' record rules name each user's teams (``sat_team_ids``), and
        Odoo keeps a user's rules once computed: a change of members or leader
        clears them, in every worker, as a change of groups does."""
        self.env["res.users"].invalidate_model(["sat_team_ids"])
        self.env.registry.clear_cache()

    def _round_robin_sequence(self):
        return f"sat_team_round_robin_{self.id}"

    def _create_round_robin_sequences(self):
        for team in self:
            self.env.cr.execute(
                SQL(
                    "CREATE SEQUENCE IF NOT EXISTS %s",
                    SQL.identifier(team._round_robin_sequence()),
                )
            )

    def _alias_get_creation_values(self):
        values = super()._alias_get_creation_values()
        values["alias_model_id"] = self.env["ir.model"]._get_id("sat.case")
        if self.id:
            values["alias_defaults"] = defaults = ast.literal_eval(
                self.alias_defaults or "{}"
            )
            defaults["team_id"] = self.id
        return values

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

    def _get_available_members(self):
        """Members not on leave now, per their working-time resource."""
        self.ensure_one()
        now = fields.Datetime.now()
        leaves = (
            self.env["resource.calendar.leaves"]
            .sudo()
            .search(
                [
                    ("resource_id.user_id", "in", self.member_ids.ids),
                    ("date_from", "<=", now),
                    ("date_to", ">=", now),
                ]
            )
        )
        return self.member_ids - leaves.resource_id.user_id

    @api.model
    def _assign(self, requests, next_member=True):
        """The assignment rule, for every way a case comes in (form, RPC, mail,
        portal): ``requests`` are ``(category, team, customer, user, is_closed)``
        of cases, the answer their ``(team, user)``.

        The team is the category's when none is set; an open case without a
        responsible gets the customer's SAT responsible, else, with
        ``next_member``, the team's next member by its method (which takes a turn:
        only when the case is saved, never for a form's proposal)."""
        answers = []
        waiting = defaultdict(list)
        for category, team, customer, user, is_closed in requests:
            team = team or category.team_id
            if not user and not is_closed:
                user = customer.commercial_partner_id.sat_responsible_id
                if not user and team and next_member:
                    waiting[team].append(len(answers))
            answers.append([team, user])
        for team, indexes in waiting.items():
            for index, user in zip(
                indexes, team._next_assignees(len(indexes)), strict=False
            ):
                answers[index][1] = user
        return [tuple(answer) for answer in answers]

    def _next_assignees(self, count):
        """Responsibles for ``count`` new cases, by the team's method."""
        if not self or self.assign_method == "manual":
            return []
        members = self._get_available_members().sorted("id")
        if not members:
            return []
        if self.assign_method == "round_robin":
            # The team's turns are counted by a PostgreSQL sequence: two workers
            # assigning at once never take the same turn, and neither waits nor
            # fails (a lock on the team's row fails one of them in repeatable read).
            self.env.cr.execute(
                SQL(
                    "SELECT nextval(%s) FROM generate_series(1, %s)",
                    self._round_robin_sequence(),
                    count,
                )
            )
            turns = [row[0] for row in self.env.cr.fetchall()]
            return [members[(turn - 1) % len(members)] for turn in turns]
        counts = dict(
            self.env["sat.case"]
            .sudo()
            ._read_group(
                [("user_id", "in", members.ids), ("is_closed", "=", False)],
                ["user_id"],
                ["__count"],
            )
        )
        users = []
        for _i in range(count):
            user = min(members, key=lambda member: (counts.get(member, 0), member.id))
            counts[user] = counts.get(user, 0) + 1
            users.append(user)
        return users
