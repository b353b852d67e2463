from odoo import api, fields, models


class SatClassificationRule(models.Model):
    _inherit = "sat.classification.rule"

    fetchmail_server_ids = fields.Many2many(
        "fetchmail.server",
        string="Mailboxes",
        domain=[("sat_partner_id", "!=", False)],
        groups="base.group_system",
        help="Customer mailboxes the mail must come to. Empty: any.",
    )

    @api.constrains(
        "name",
        "keywords",
        "regex",
        "sender_domains",
        "partner_ids",
        "fetchmail_server_ids",
    )
    def _check_conditions(self):
        return super()._check_conditions()

    def _has_condition(self):
        return super()._has_condition() or bool(self.sudo().fetchmail_server_ids)

    def _get_rule_data(self):
        data = super()._get_rule_data()
        data["mailbox_ids"] = frozenset(self.sudo().fetchmail_server_ids.ids)
        return data

    @api.model
    def _rule_matches(self, rule, facts):
        if rule["mailbox_ids"] and facts.get("mailbox_id") not in rule["mailbox_ids"]:
            return False
        return super()._rule_matches(rule, facts)
