"""Helpers of the migration scripts of the SAT addons."""

FOLLOWED_BEFORE = "message_partner_ids', 'in', user.partner_id.ids)"
FOLLOWED_NOW = (
    "message_follower_ids', 'any', [('partner_id', 'in', user.partner_id.ids)])"
)


def find_followed_cases_through_followers(cr, module, rule_names):
    """Rules are not updated once installed (noupdate): the followed-cases clause of
    these rules is rewritten in place, unless someone changed the rule since."""
    cr.execute(
        """UPDATE ir_rule rule
              SET domain_force = replace(rule.domain_force, %s, %s)
             FROM ir_model_data data
            WHERE data.model = 'ir.rule' AND data.res_id = rule.id
              AND data.module = %s AND data.name = ANY(%s)""",
        [FOLLOWED_BEFORE, FOLLOWED_NOW, module, list(rule_names)],
    )
