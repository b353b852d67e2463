from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .sat_case import PRIORITIES
from .sat_case_type_mixin import CASE_TYPES


class SatSla(models.Model):
    _name = "sat.sla"
    _description = "Support SLA Policy"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    description = fields.Text(translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    # Which cases
    team_ids = fields.Many2many(
        "sat.team", string="Teams", check_company=True, help="Empty: every team."
    )
    priority = fields.Selection(
        PRIORITIES,
        string="Minimum Criticality",
        default="0",
        required=True,
        help="Cases of this criticality or higher.",
    )
    category_ids = fields.Many2many(
        "sat.case.category", string="Categories", help="Empty: every category."
    )
    case_type = fields.Selection(CASE_TYPES, string="Type", help="Empty: every type.")
    partner_ids = fields.Many2many(
        "res.partner", string="Customers", help="Empty: every customer."
    )
    partner_category_ids = fields.Many2many(
        "res.partner.category", string="Customer Tags", help="Empty: every customer."
    )
    # The target
    target = fields.Selection(
        [("stage", "A Stage Reached"), ("first_response", "The First Response")],
        default="stage",
        required=True,
        help="A stage: the SLA is met when the case reaches this stage or a later "
        "one. The first response: when a staff member first answers the customer "
        "publicly (the case's First Response), or the case is closed.",
    )
    stage_id = fields.Many2one(
        "sat.case.stage",
        string="Target Stage",
        help="The SLA is met when the case reaches this stage or a later one.",
    )
    work_hours = fields.Float(
        string="Working Hours", required=True, help="Working hours to reach the target."
    )
    calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Schedule",
        required=True,
        check_company=True,
        default=lambda self: self.env.company.resource_calendar_id,
        help="Working hours and public holidays the deadline counts.",
    )
    warning_ratio = fields.Float(
        string="Warning at (%)",
        default=75.0,
        help="Share of the time after which the case is at risk and its responsible "
        "is warned.",
    )
    exclude_stage_ids = fields.Many2many(
        "sat.case.stage",
        "sat_sla_exclude_stage_rel",
        string="Paused in Stages",
        help="The clock stops while the case is in these stages (e.g. waiting for "
        "the customer).",
    )

    @api.constrains("target", "stage_id")
    def _check_target(self):
        for sla in self:
            if sla.target == "stage" and not sla.stage_id:
                raise ValidationError(
                    self.env._(
                        "The SLA %(sla)s needs the stage the cases must reach.",
                        sla=sla.name,
                    )
                )

    def _is_reached_by(self, case):
        """Whether ``case`` already meets this policy's target."""
        self.ensure_one()
        if self.target == "first_response":
            return bool(case.date_first_response or case.is_closed)
        return case.stage_id.sequence >= self.stage_id.sequence

    @api.constrains("work_hours", "warning_ratio")
    def _check_time(self):
        for sla in self:
            if sla.work_hours <= 0:
                raise ValidationError(
                    self.env._("The SLA %(sla)s needs a positive time.", sla=sla.name)
                )
            if not 0 < sla.warning_ratio <= 100:
                raise ValidationError(
                    self.env._(
                        "The warning of %(sla)s must be between 1 and 100 %%.",
                        sla=sla.name,
                    )
                )

    def _applies_to(self, case):
        """Whether this policy governs ``case``; policies are few, cases many."""
        self.ensure_one()
        partner = case.partner_id.commercial_partner_id
        return (
            self.company_id == case.company_id
            and (not self.team_ids or case.team_id in self.team_ids)
            and case.priority >= self.priority
            and (not self.category_ids or case.category_id in self.category_ids)
            and (not self.case_type or case.case_type == self.case_type)
            and (not self.partner_ids or partner in self.partner_ids)
            and (
                not self.partner_category_ids
                or self.partner_category_ids
                & (partner.category_id | case.partner_id.category_id)
            )
        )
