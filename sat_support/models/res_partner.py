from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    sat_responsible_id = fields.Many2one(
        "res.users",
        string="SAT Responsible",
        domain=[("share", "=", False)],
        help="Looks after every support case of this customer: new cases are assigned "
        "to them.",
    )
    sat_case_count = fields.Integer(
        string="Support Cases",
        compute="_compute_sat_case_count",
        groups="sat_support.group_sat_user",
    )

    def _compute_sat_case_count(self):
        # Cases hang on the commercial entity: a contact shows its company's cases.
        commercial = self.commercial_partner_id
        counts = dict(
            self.env["sat.case"]._read_group(
                [("partner_id", "in", commercial.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.sat_case_count = counts.get(partner.commercial_partner_id, 0)

    def action_view_sat_cases(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sat_support.sat_case_action"
        )
        partner = self.commercial_partner_id
        action["domain"] = [("partner_id", "=", partner.id)]
        action["context"] = {"default_partner_id": partner.id}
        return action

    def signup_prepare(self, signup_type="signup"):
        """Every notification of a customer's case asks for the customer's sign-up
        token: written every time, the customer's row is locked by each answer, each
        mail fetched and each SLA warning until it commits, and they wait for (or
        fail on) each other."""
        changed = self.filtered(
            lambda partner: partner.sudo().signup_type != signup_type
        )
        return super(ResPartner, changed).signup_prepare(signup_type=signup_type)

    def _commercial_fields(self):
        return super()._commercial_fields() + ["sat_responsible_id"]

    def _sat_is_stranger(self):
        """A person of no company and no customer history: someone who wrote to a
        team's address and is not known as, or at, a customer."""
        if not self:
            return False
        self.ensure_one()
        return not (self.parent_id or self.is_company or self.customer_rank)
