import re

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from .sat_case import PRIORITIES
from .sat_case_classifier_term import normalize


def _split(value):
    return tuple(item.strip() for item in (value or "").split(",") if item.strip())


class SatClassificationRule(models.Model):
    """An explicit rule of the support team, like the triggers of the ticket systems
    people know: what a new case from a mail says, who sends it, to which mailbox,
    gives its category or its criticality, before anything learned."""

    _name = "sat.classification.rule"
    _description = "Support Case Classification Rule"
    _order = "sequence, id"

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", help="Empty: the rule applies in every company."
    )
    rule_type = fields.Selection(
        [("category", "Set the Category"), ("priority", "Set the Criticality")],
        string="Action",
        required=True,
        default="category",
    )
    category_id = fields.Many2one("sat.case.category", ondelete="cascade")
    priority = fields.Selection(PRIORITIES, string="Criticality")
    # Conditions: every one that is filled must hold.
    keywords = fields.Char(
        help="Words or phrases separated by commas; any of them matches, as whole "
        "words, whatever the case and the accents (e.g. urgent, parada, line down).",
    )
    regex = fields.Char(
        string="Regular Expression",
        help="Searched in the same text, case ignored (Python syntax), e.g. "
        r"\b(?:INV|FAC)/\d{4}/\d+.",
    )
    match_in = fields.Selection(
        [("subject", "Subject"), ("body", "Body"), ("both", "Subject and Body")],
        string="Search In",
        required=True,
        default="both",
        help="Quoted replies, signatures and legal footers of the body are left out.",
    )
    sender_domains = fields.Char(
        help="E-mail domains of the sender separated by commas (e.g. bank.example).",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        domain=[("is_company", "=", True)],
        help="Empty: every customer.",
    )

    @api.constrains("name", "rule_type", "category_id", "priority")
    def _check_action(self):
        for rule in self:
            if rule.rule_type == "category" and not rule.category_id:
                raise ValidationError(
                    self.env._("Rule %(rule)s needs a category.", rule=rule.name)
                )
            if rule.rule_type == "priority" and not rule.priority:
                raise ValidationError(
                    self.env._("Rule %(rule)s needs a criticality.", rule=rule.name)
                )

    @api.constrains("regex")
    def _check_regex(self):
        for rule in self.filtered("regex"):
            try:
                re.compile(rule.regex)
            except re.error as error:
                raise ValidationError(
                    self.env._(
                        "The regular expression of rule %(rule)s is not valid: "
                        "%(error)s.",
                        rule=rule.name,
                        error=error,
                    )
                ) from error

    @api.constrains("name", "keywords", "regex", "sender_domains", "partner_ids")
    def _check_conditions(self):
        for rule in self:
            if not rule._has_condition():
                raise ValidationError(
                    self.env._(
                        "Rule %(rule)s has no condition: it would match every mail.",
                        rule=rule.name,
                    )
                )

    def _has_condition(self):
        self.ensure_one()
        return bool(
            _split(self.keywords)
            or self.regex
            or _split(self.sender_domains)
            or self.partner_ids
        )

    # ------------------------------------------------------------------ cache
    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        self.env.registry.clear_cache()
        return rules

    def write(self, vals):
        res = super().write(vals)
        self.env.registry.clear_cache()
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()
        return res

    @api.model
    @tools.ormcache("company_id")
    def _get_rules(self, company_id):
        """The active rules of a company as plain data, read once per worker and
        kept until a rule changes: no query for each mail."""
        rules = self.sudo().search(
            [("company_id", "in", (company_id, False))], order="sequence, id"
        )
        return tuple(rule._get_rule_data() for rule in rules)

    def _get_rule_data(self):
        self.ensure_one()
        words = _split(normalize(self.keywords))
        return {
            "id": self.id,
            "rule_type": self.rule_type,
            "category_id": self.category_id.id,
            "priority": self.priority,
            "words": words
            and re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b"),
            "regex": self.regex and re.compile(self.regex, re.IGNORECASE),
            "match_in": self.match_in,
            "domains": frozenset(_split(normalize(self.sender_domains))),
            "partner_ids": frozenset(self.partner_ids.ids),
        }

    # ------------------------------------------------------------------ matching
    @api.model
    def _match(self, company, facts):
        """``{rule_type: rule data}`` of the first rule of each type that matches
        ``facts`` (subject, body, sender domain, account id, ...)."""
        found = {}
        for rule in self._get_rules(company.id):
            if rule["rule_type"] not in found and self._rule_matches(rule, facts):
                found[rule["rule_type"]] = rule
        return found

    @api.model
    def _rule_matches(self, rule, facts):
        if rule["partner_ids"] and facts.get("account_id") not in rule["partner_ids"]:
            return False
        if rule["domains"] and facts.get("sender_domain") not in rule["domains"]:
            return False
        text = {
            "subject": facts["subject"],
            "body": facts["body"],
            "both": f"{facts['subject']}\n{facts['body']}",
        }[rule["match_in"]]
        if rule["words"] and not rule["words"].search(normalize(text)):
            return False
        return not rule["regex"] or bool(rule["regex"].search(text))
