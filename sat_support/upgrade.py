"""Helpers of the migration scripts of the SAT addons."""


def drop_rules(cr, module, rule_names):
    """Record rules are not updated once installed (noupdate): the given ones are
    dropped before the update, which makes them again from the module's data."""
    cr.execute(
        """DELETE FROM ir_model_data
            WHERE module = %s AND model = 'ir.rule' AND name = ANY(%s)
        RETURNING res_id""",
        [module, list(rule_names)],
    )
    rule_ids = [row[0] for row in cr.fetchall()]
    if rule_ids:
        cr.execute("DELETE FROM ir_rule WHERE id = ANY(%s)", [rule_ids])
